package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/rtcterm/rtcterm/store"
)

// TestHeaderShowsAEC: the header says "AEC on" exactly when the local
// stream's microphone is cleaned of the speaker's sound.
func TestHeaderShowsAEC(t *testing.T) {
	for _, on := range []bool{true, false} {
		var m tea.Model = New(Options{Engine: newFakeEngine(t), Initial: callState(1)})
		m, _ = m.Update(store.InitializeLocalStream{Stream: store.LocalStream{
			Tracks:     []store.Track{{Kind: "audio", Label: "Built-in microphone"}},
			EchoCancel: on,
		}})
		if got := strings.Contains(ansiStrip(m.View().Content), "AEC on"); got != on {
			t.Errorf("EchoCancel %v: header shows AEC on: %v", on, got)
		}
	}
}
