package rtc

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/rtcterm/rtcterm/netsim"
)

// TestCleanLinkReachesFullRateSoon: on a link that never pushes back,
// layered media gets from the low layer every peer starts on to the high
// layer's full rate within seconds (the ladder's startup climb), not the
// half minute the cautious climb took: netsim measured ~574 kbps over
// 10–16 s without the startup, ~845 with it.
func TestCleanLinkReachesFullRateSoon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lm := startLayeredMeshBehind(t, 2, netsim.Link{})
		lm.waitLayer(t, 0, 1, "high", 8*time.Second)
		time.Sleep(10*time.Second - time.Since(lm.start))
		lm.stats(t, 1, 0) // the window starts here
		time.Sleep(6 * time.Second)
		st := lm.stats(t, 1, 0)
		t.Logf("B receives %.0f kbps at %.1f fps, %d px wide, over 10–16 s", st.RecvKbps, st.FramesPerSecond, st.Width)
		if st.RecvKbps < 700 {
			t.Errorf("B receives %.0f kbps over 10–16 s of a clean call, want >= 700", st.RecvKbps)
		}
	})
}
