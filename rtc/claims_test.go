package rtc

import (
	"testing"

	"github.com/rtcterm/rtcterm/store"
)

// TestPeerClaimsAreClamped: a peer that sends marker bits 751 times a
// second or declares a 16383×16383 picture does not make the table say so.
func TestPeerClaimsAreClamped(t *testing.T) {
	st := store.Stats{FramesPerSecond: 751, Width: 16383, Height: 16383, LossPct: 140}
	clampClaims(&st)
	if st.FramesPerSecond != maxClaimedFPS || st.Width != 0 || st.Height != 0 || st.LossPct != 100 {
		t.Errorf("clamped to %+v", st)
	}
	real := store.Stats{FramesPerSecond: 30, Width: 1920, Height: 1080, LossPct: 2.5}
	want := real
	clampClaims(&real)
	if real != want {
		t.Errorf("a real stream's figures changed: %+v", real)
	}
}
