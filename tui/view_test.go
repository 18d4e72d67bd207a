package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtcterm/rtcterm/store"
)

// TestGoldenScreens pins the layout: the screen as text (colours stripped,
// so the files read as what a user sees) for 0, 1, 3 and 12 peers at
// 80×24, 120×40 and 160×48. Run with -update to rewrite them.
func TestGoldenScreens(t *testing.T) {
	for _, n := range []int{0, 1, 3, 12} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
			t.Run(fmt.Sprintf("%dpeers_%dx%d", n, size[0], size[1]), func(t *testing.T) {
				h := newHarness(t, callState(n))
				h.update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				golden.RequireEqual(t, ansi.Strip(h.view()))
			})
		}
	}
}

// TestGoldenColours pins the colours of one screen: status colours,
// quality grades, the selection and the badges.
func TestGoldenColours(t *testing.T) {
	s := callState(5)
	h := newHarness(t, s)
	for _, id := range store.SelectPeerIDs(s) {
		h.m = h.m.regrade(id)
	}
	h.update(store.ToggleAudio{Enabled: false})
	golden.RequireEqual(t, h.view())
}

// TestGoldenStates pins screens that only some states show: a failed peer
// selected with its recovery countdown, full help, signaling reconnecting.
func TestGoldenStates(t *testing.T) {
	t.Run("failed_selected", func(t *testing.T) {
		h := newHarness(t, callState(5))
		h.key("j") // Barbara, failed and recovering
		h.update(store.UpdateRecovery{PeerID: "p03", Recovery: store.Recovery{Attempt: 3, MaxAttempts: 5, NextAt: t0.Add(4 * time.Second)}})
		golden.RequireEqual(t, ansi.Strip(h.view()))
	})
	t.Run("help", func(t *testing.T) {
		h := newHarness(t, callState(3))
		h.key("?")
		golden.RequireEqual(t, ansi.Strip(h.view()))
	})
	t.Run("reconnecting_muted", func(t *testing.T) {
		h := newHarness(t, callState(3))
		sig := h.m.State().Signaling
		sig.Status, sig.Attempt = store.SignalingReconnecting, 2
		h.update(store.UpdateSignaling{Signaling: sig})
		h.update(store.ToggleAudio{Enabled: false})
		h.update(store.ToggleVideo{Enabled: false})
		h.update(store.SetAudioOutput{Reason: "audio output off: no sound card"})
		golden.RequireEqual(t, ansi.Strip(h.view()))
	})
}

// TestViewFits checks that no screen, however small, has a line wider than
// the terminal or more lines than it has rows.
func TestViewFits(t *testing.T) {
	widths := []int{1, 2, 5, 10, 17, 25, 33, 40, 52, 63, 70, 79, 80, 81, 97, 120, 159, 160, 200}
	heights := []int{1, 2, 3, 4, 6, 8, 10, 13, 17, 20, 24, 30, 48, 60}
	for _, n := range []int{0, 1, 3, 12, 16} {
		h := newHarness(t, callState(n))
		h.update(store.UpdateRecovery{PeerID: "p03", Recovery: store.Recovery{Attempt: 1, MaxAttempts: 5, NextAt: t0.Add(9 * time.Second)}})
		for _, help := range []bool{false, true} {
			m := h.m
			m.showHelp = help
			for _, w := range widths {
				for _, ht := range heights {
					next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: ht})
					checkFits(t, next.View().Content, w, ht)
				}
			}
		}
	}
}

func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) > h {
		t.Fatalf("%d×%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%d×%d: line %d is %d cells: %q", w, h, i, lw, ansi.Strip(l))
		}
	}
}

// TestHostileNamesOnScreen puts a peer with a hostile name and error text
// on the screen and checks nothing of the attack reaches the terminal.
func TestHostileNamesOnScreen(t *testing.T) {
	s := callState(1)
	evil := "\x1b]52;c;cm0gLXJmIH4=\x07Mallory\x1b[2J\n\u202Eevil" + strings.Repeat("A", 10_000)
	s = store.Reduce(s, store.AddPeerConnection{PeerID: "evil", UserName: evil, At: t0})
	s = store.Reduce(s, store.SetConnectionError{PeerID: "evil", Error: "\x1b[31mred\x1b]0;title\x07\r\nline"})
	s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: "evil", Status: store.StatusConnected, At: t0})
	s = store.Reduce(s, store.UpdateConnectionStats{PeerID: "evil", At: t0, Stats: store.Stats{VideoCodec: "VP8\x1b]52;c;QQ==\x07", AudioCodec: "op\nus", Route: store.Route{LocalType: "host\x1b[1m", RemoteType: "relay", LocalAddr: "1.2.3.4:5\u202E"}}})
	h := newHarness(t, s)
	h.key("k") // select Mallory (listed first: names sort "\x1b" low, then sanitized)
	h.m.selected = "evil"
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		h.update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		screen := h.view()
		checkFits(t, screen, size[0], size[1])
		plain := ansi.Strip(screen)
		for _, bad := range []string{"\x1b", "52;", "\u202E", "\r", "title"} {
			if strings.Contains(plain, bad) {
				t.Errorf("%q reached the screen:\n%s", bad, plain)
			}
		}
		// Only styles the UI itself emits remain: SGR sequences.
		for _, seq := range escapeSequences(screen) {
			if !strings.HasSuffix(seq, "m") || !strings.HasPrefix(seq, "\x1b[") {
				t.Errorf("non-SGR escape %q on screen", seq)
			}
		}
		if !strings.Contains(plain, "Mallory") || !strings.Contains(plain, "…") {
			t.Errorf("name not shown truncated:\n%s", plain)
		}
	}
}

// escapeSequences lists the escape sequences in s.
func escapeSequences(s string) []string {
	var out []string
	p := ansi.NewParser()
	var state byte
	for len(s) > 0 {
		seq, _, n, newState := ansi.DecodeSequence(s, state, p)
		if strings.HasPrefix(seq, "\x1b") {
			out = append(out, seq)
		}
		state = newState
		s = s[n:]
	}
	return out
}
