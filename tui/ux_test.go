package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// qualityState is a call with one good, one fair and one poor peer: Ada
// on a LAN, Grace at 250 ms, Linus losing 15 % of packets.
func qualityState() store.State {
	s := store.New()
	s = store.Reduce(s, store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: "demo", UserName: "Alice"}})
	peers := []struct {
		id, name string
		st       store.Stats
	}{
		{"a", "Ada", store.Stats{RTTMillis: 5, LossPct: 0, JitterMillis: 2}},
		{"g", "Grace", store.Stats{RTTMillis: 250, LossPct: 0, JitterMillis: 5}},
		{"l", "Linus", store.Stats{RTTMillis: 20, LossPct: 15, JitterMillis: 5}},
	}
	for _, p := range peers {
		s = store.Reduce(s, store.AddPeerConnection{PeerID: p.id, UserName: p.name, At: t0})
		s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: p.id, Status: store.StatusConnected, At: t0})
		s = store.Reduce(s, store.UpdateConnectionStats{PeerID: p.id, Stats: p.st, At: t0})
	}
	return s
}

// TestQualityMarkWithoutColour: with every colour stripped, as NO_COLOR
// shows it, each peer's row, tile and detail pane still say how good the
// call is.
func TestQualityMarkWithoutColour(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h, _ := newVideoHarness(t, qualityState())
	want := map[string]string{"Ada": "●●●", "Grace": "●●○", "Linus": "●○○"}
	plain := ansi.Strip(h.view())
	for _, line := range strings.Split(plain, "\n") {
		for name, mark := range want {
			if strings.Contains(line, " "+name+" ") && !strings.Contains(line, mark) {
				t.Errorf("%s's row lacks %s: %q", name, mark, line)
			}
		}
	}
	for _, word := range []string{"good", "fair", "poor"} {
		h.key("j")
		if word == "good" {
			h.m.selected = "a"
		}
		if p := ansi.Strip(h.view()); !strings.Contains(p, word) {
			t.Errorf("detail pane of %s does not say %q:\n%s", h.m.selected, word, p)
		}
	}
	h.settle(h.key("t"))
	plain = ansi.Strip(h.view())
	for name, mark := range want {
		if !strings.Contains(plain, name+" "+mark) {
			t.Errorf("tile title of %s lacks %s:\n%s", name, mark, plain)
		}
	}
}

// TestHelpListsEveryKey: the help panel lists every key of the key map
// (found by reflection, so a new key cannot be left out), explains each,
// and has a glossary entry for every table column and every threshold.
func TestHelpListsEveryKey(t *testing.T) {
	h := newHarness(t, callState(3))
	h.update(tea.WindowSizeMsg{Width: 100, Height: 200})
	h.key("?")
	plain := ansi.Strip(h.view())
	km := newKeyMap()
	all := km.all()
	for _, b := range all {
		if keyExplained[b.name] == "" {
			t.Errorf("key %s has no explanation", b.name)
		}
		for _, k := range b.Keys() {
			if !strings.Contains(plain, k) {
				t.Errorf("key %q (%s) not in the help panel", k, b.name)
			}
		}
		if !strings.Contains(plain, keyExplained[b.name]) {
			t.Errorf("explanation of %s not in the help panel", b.name)
		}
	}
	for _, c := range columns {
		if c.help == "" || !strings.Contains(plain, "   "+c.title+" ") {
			t.Errorf("column %q has no glossary entry:\n%s", c.title, plain)
		}
	}
	for _, th := range []threshold{rttThreshold, lossThreshold, jitterThreshold} {
		g, b := fmtThreshold(th.good), fmtThreshold(th.bad)
		for _, s := range []string{"< " + g, g + "–" + b, "> " + b} {
			if !strings.Contains(plain, s) {
				t.Errorf("threshold %q not in the help panel:\n%s", s, plain)
			}
		}
	}
	for _, s := range []string{"yellow", "host", "srflx", "relay", "speaking bar", "M microphone", "jitter"} {
		if !strings.Contains(plain, s) {
			t.Errorf("%q not explained:\n%s", s, plain)
		}
	}
	// At 80×24 the panel scrolls, and the last line can be reached.
	h.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for range 100 {
		h.key("j")
	}
	if p := ansi.Strip(h.view()); !strings.Contains(p, "read the code aloud") {
		t.Errorf("help does not scroll to its end:\n%s", p)
	}
}

// TestNoticeFades: information fades after noticeFade on the model's
// clock; errors and warnings stay; only errors are marked "!".
func TestNoticeFades(t *testing.T) {
	now := t0
	h := newHarness(t, callState(1))
	h.m.opts.Now = func() time.Time { return now }
	h.update(store.AddPeerConnection{PeerID: "n", UserName: "Nia", At: now})
	line := func() string { return ansi.Strip(h.m.noticeLine(80)) }
	if l := line(); !strings.Contains(l, "Nia joined") || strings.Contains(l, "!") {
		t.Fatalf("info notice %q", l)
	}
	now = now.Add(noticeFade - time.Second)
	h.update(statsTick{})
	if !strings.Contains(line(), "Nia joined") {
		t.Fatal("faded too early")
	}
	now = now.Add(2 * time.Second)
	h.update(statsTick{})
	if l := line(); l != "" {
		t.Fatalf("info notice still shown after %v: %q", noticeFade+time.Second, l)
	}
	h.update(store.SetConnectionError{PeerID: "p00", Error: "DTLS Handshake Failed"})
	now = now.Add(time.Minute)
	h.update(statsTick{})
	if l := line(); !strings.HasPrefix(l, " ! Grace: DTLS Handshake Failed") {
		t.Fatalf("error notice after a minute: %q", l)
	}
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusDisconnected, At: now})
	now = now.Add(time.Minute)
	h.update(statsTick{})
	if l := line(); !strings.Contains(l, "connection lost") || strings.Contains(l, "!") {
		t.Fatalf("warning after a minute: %q", l)
	}
}

// TestTooSmall: below the minimum size the screen says so and how to
// leave, and nothing else; at the minimum the call is shown, and the
// footer keeps "? help" and "q leave" at any width.
func TestTooSmall(t *testing.T) {
	h := newHarness(t, callState(3))
	want := fmt.Sprintf("terminal too small: %d×%d needed", minWidth, minHeight)
	for _, video := range []bool{false, true} {
		h.m.videoView = video
		for _, size := range [][2]int{{minWidth - 1, 24}, {80, minHeight - 1}, {20, 5}} {
			h.update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			plain := ansi.Strip(h.view())
			checkFits(t, plain, size[0], size[1])
			if size[0] >= len(want) && !strings.Contains(plain, want) {
				t.Errorf("%v: %q missing:\n%s", size, want, plain)
			}
			if strings.Contains(plain, "Ada") || !strings.Contains(plain, "q leave") {
				t.Errorf("%v: more or less than the size message:\n%s", size, plain)
			}
		}
		h.update(tea.WindowSizeMsg{Width: minWidth, Height: minHeight})
		plain := ansi.Strip(h.view())
		if strings.Contains(plain, "too small") || !strings.Contains(plain, "Ada") {
			t.Errorf("video %v: minimum size not laid out:\n%s", video, plain)
		}
	}
	for w := minWidth; w <= 120; w++ {
		if f := ansi.Strip(h.m.footerLine(w)); !strings.Contains(f, "? help") || !strings.Contains(f, "q leave") {
			t.Errorf("footer at %d cells: %q", w, f)
		}
	}
}

// TestDisplayError: wrapped errors read as one sentence.
func TestDisplayError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"signaling: signal: bad-message (join): signal: bad message: unknown room", "signaling: bad-message (join): unknown room"},
		{`failed to WebSocket dial: failed to send handshake request: Get "http://127.0.0.1:1/ws": dial tcp 127.0.0.1:1: connect: connection refused`,
			`failed to WebSocket dial: failed to send handshake request: Get "http://127.0.0.1:1/ws": dial tcp 127.0.0.1:1: connect: connection refused`},
		{"EOF", "EOF"},
		{"closed: closed", "closed"},
		{"\x1b[31mred\x1b[m: \u202eevil", "red: evil"},
	}
	for _, tt := range tests {
		if got := displayError(tt.in); got != tt.want {
			t.Errorf("displayError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSignalingNoticeWording: a server never reached is "cannot reach",
// not "lost", and the cause survives a narrow line; after a join, the
// same failure is "lost — reconnecting".
func TestSignalingNoticeWording(t *testing.T) {
	const dial = `failed to WebSocket dial: failed to send handshake request: Get "http://127.0.0.1:1/ws": dial tcp 127.0.0.1:1: connect: connection refused`
	s := store.New()
	s = store.Reduce(s, store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnecting, Room: "demo"}})
	h := newHarness(t, s)
	h.update(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingReconnecting, Attempt: 6, Room: "demo", Error: dial}})
	plain := ansi.Strip(h.view())
	if strings.Contains(plain, "lost") || !strings.Contains(plain, "cannot reach the signaling server — retrying (attempt 6)") {
		t.Errorf("never connected, yet:\n%s", plain)
	}
	if !strings.Contains(plain, "connection refused") {
		t.Errorf("cause cut from the notice:\n%s", plain)
	}
	if !strings.Contains(plain, "signaling connecting (attempt 6)") {
		t.Errorf("header says reconnecting before any join:\n%s", plain)
	}
	h.update(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: "demo", PeerID: "me"}})
	if l := ansi.Strip(h.m.noticeLine(80)); !strings.Contains(l, "signaling connected") {
		t.Errorf("first join after retries: %q", l)
	}
	h.update(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingReconnecting, Attempt: 1, Room: "demo", Error: "signaling: signal: read: signal: EOF"}})
	l := ansi.Strip(h.m.noticeLine(80))
	if !strings.Contains(l, "signaling lost — reconnecting (attempt 1): ") || strings.Contains(l, "signal: ") {
		t.Errorf("after a join: %q", l)
	}
}

// TestNameColumnCapped: short names get a short name column, so the
// figures sit next to them at any width.
func TestNameColumnCapped(t *testing.T) {
	for _, w := range []int{80, 120, 160, 200} {
		if _, nameW := layoutColumns(w, len("Grace")+2); nameW != len("Grace")+2 {
			t.Errorf("width %d: name column %d for 5-letter names", w, nameW)
		}
	}
	if _, nameW := layoutColumns(200, 200); nameW != nameMaxWidth {
		t.Errorf("long names: %d, want the cap %d", nameW, nameMaxWidth)
	}
}

// TestEventDetailIsJSON: the diagnostics dump's event details are JSON
// objects of the action's fields, with long strings cut.
func TestEventDetailIsJSON(t *testing.T) {
	sdp := strings.Repeat("v=0\r\n", 500)
	e := actionEvent(t0, store.StorePendingOffer{PeerID: "p00", Description: store.SessionDescription{Type: "offer", SDP: sdp}}, nil)
	var got map[string]any
	if err := json.Unmarshal(e.Detail, &got); err != nil {
		t.Fatalf("detail %s is not JSON: %v", e.Detail, err)
	}
	if got["PeerID"] != "p00" {
		t.Errorf("detail %s", e.Detail)
	}
	desc, _ := got["Description"].(map[string]any)
	if s, _ := desc["SDP"].(string); len(s) > maxDetailString+len("…") || !strings.HasSuffix(s, "…") {
		t.Errorf("SDP not cut: %d bytes", len(s))
	}
}
