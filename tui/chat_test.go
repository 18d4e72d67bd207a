package tui

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtcterm/rtcterm/store"
)

// typeText presses one key per character, as a terminal delivers typing.
func (h *harness) typeText(s string) {
	for _, r := range s {
		if r == ' ' {
			h.update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
			continue
		}
		h.key(string(r))
	}
}

func TestChatTypingSendsAndTriggersNoOtherKey(t *testing.T) {
	h := newHarness(t, callState(2))
	h.key("c")
	// Every one of these is a command key when the chat is closed.
	h.typeText("mvsqtdry? jk")
	h.wantCalls(t)
	if h.m.leaving || h.m.showHelp || h.m.videoView || !h.m.State().AudioEnabled {
		t.Fatalf("a key typed into the chat acted: leaving %v help %v video %v", h.m.leaving, h.m.showHelp, h.m.videoView)
	}
	h.update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	cmd := h.key("enter")
	if got := string(h.m.chat.draft); got != "" {
		t.Errorf("draft not cleared on send: %q", got)
	}
	h.settle(cmd)
	h.wantCalls(t, `SendChat("mvsqtdry? j")`)
	if c := h.m.State().Chat; len(c) != 1 || !c[0].Pending {
		t.Fatalf("own line: %+v", c)
	}
	if v := ansiStrip(h.view()); !strings.Contains(v, "12:00 Alice: mvsqtdry? j …") {
		t.Errorf("pending own line not shown:\n%s", v)
	}
	// An empty line sends nothing; Esc closes and keys work again.
	if cmd := h.key("enter"); cmd != nil {
		t.Error("enter on an empty line made a command")
	}
	h.key("esc")
	if h.m.chat.open {
		t.Fatal("esc did not close the chat")
	}
	if h.key("m") == nil {
		t.Error("m after closing the chat did nothing")
	}
}

func TestChatUnreadCountInHeader(t *testing.T) {
	h := newHarness(t, callState(2))
	h.update(tea.WindowSizeMsg{Width: 120, Height: 30})
	for _, text := range []string{"one", "two", "three"} {
		h.update(store.ChatReceived{From: "p01", UserName: "Grace", Text: text, At: t0})
	}
	v := ansiStrip(h.view())
	if !strings.Contains(strings.Split(v, "\n")[0], "chat 3 new") {
		t.Errorf("header lacks the unread count:\n%s", strings.Split(v, "\n")[0])
	}
	if !strings.Contains(v, "Grace: three  (c: chat)") {
		t.Errorf("the newest line is not in the notice:\n%s", v)
	}
	h.key("c")
	if n := h.m.State().ChatUnread; n != 0 {
		t.Errorf("opening the chat left %d unread", n)
	}
	h.update(store.ChatReceived{From: "p01", UserName: "Grace", Text: "four", At: t0})
	if n := h.m.State().ChatUnread; n != 0 {
		t.Errorf("a line read while the chat is open counts as unread: %d", n)
	}
	h.key("esc")
	if strings.Contains(ansiStrip(h.view()), "new") {
		t.Error("header still shows unread lines")
	}
}

// hostile holds what a remote party might put in a name or a line to take
// over a terminal: CSI, OSC 52 clipboard writes, OSC 8 links, DCS, C1
// controls, bidi overrides and isolates, zero-width characters.
var hostile = []string{
	"\x1b[2J\x1b[H", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
	"\x1bP+q\x1b\\", "\u009b31m", "\u009d0;title\u009c", "\u202eoknil\u202c", "\u2067iso\u2069",
	"\u200bzero\u200dwidth\ufeff", "\r\n", "\x07", "\x08",
}

// sgr matches the colour and weight sequences the UI itself writes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestChatHostileTextNeverReachesTheScreen(t *testing.T) {
	h := newHarness(t, callState(1))
	name := "Eve" + strings.Join(hostile, "")
	text := "hi" + strings.Join(hostile, "") + "there"
	h.update(store.ChatReceived{From: "p00", UserName: name, Text: text, At: t0})
	closed := h.view() // the notice shows the line too
	h.key("c")
	open := h.view()
	for _, v := range []string{closed, open} {
		plain := ansi.Strip(v)
		for _, r := range plain {
			if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
				t.Fatalf("control or format character U+%04X reached the screen:\n%q", r, plain)
			}
		}
		// The screen's own styling is SGR only (ESC [ … m); anything else
		// came from the remote text.
		rest := sgr.ReplaceAllString(v, "")
		if strings.ContainsAny(rest, "\x1b\u009b\u009d\x07") {
			t.Fatalf("an escape sequence other than SGR reached the screen:\n%q", rest)
		}
	}
	if p := ansi.Strip(open); !strings.Contains(p, "Eve") || !strings.Contains(p, "there") {
		t.Errorf("the harmless text was lost too:\n%s", p)
	}
}

func TestChatPasteIsCleaned(t *testing.T) {
	h := newHarness(t, callState(1))
	h.key("c")
	h.update(tea.PasteMsg{Content: "a\x1b]52;c;ZXZpbA==\x07b\nc\u202e"})
	if got := string(h.m.chat.draft); got != "ab c" {
		t.Errorf("pasted draft %q", got)
	}
	h.update(tea.PasteMsg{Content: strings.Repeat("x", 2000)})
	if n := len(h.m.chat.draft); n != maxChatRunes {
		t.Errorf("draft grew to %d characters", n)
	}
}

func TestGoldenChat(t *testing.T) {
	h := newHarness(t, callState(3))
	h.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.update(store.ChatReceived{From: "p00", UserName: "Grace", Text: "can everyone hear me?", At: t0.Add(-3 * 60e9)})
	h.update(store.ChatReceived{From: "me", UserName: "Alice", Text: "yes, loud and clear", At: t0.Add(-2 * 60e9), Own: true})
	h.update(store.ChatReceived{From: "p01", UserName: "Linus 林", Text: strings.Repeat("a long line that wraps under its text ", 4), At: t0.Add(-60e9)})
	h.update(store.ChatSent{Text: "sending…", At: t0})
	h.update(store.ChatSent{Text: "too fast", At: t0})
	h.update(store.ChatRefused{Reason: "too many lines at once; wait a moment"})
	h.key("c")
	h.typeText("draft")
	golden.RequireEqual(t, ansi.Strip(h.view()))
}
