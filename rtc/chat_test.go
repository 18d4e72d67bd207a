package rtc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
)

// chatLines returns a member's chat history as "name: text" with a mark
// for pending (…) and refused (!) own lines.
func chatLines(m *member) []string {
	var out []string
	for _, l := range m.snapshot().Chat {
		s := l.UserName + ": " + l.Text
		switch {
		case l.Pending:
			s += " …"
		case l.Refused != "":
			s += " ! " + l.Refused
		}
		out = append(out, s)
	}
	return out
}

func TestChatThroughServer(t *testing.T) {
	url := startServer(t)
	ada, bob := newFakeMedia(), newFakeMedia()
	a := startMember(t, testConfig(url, "chat", "Ada", ada), ada)
	b := startMember(t, testConfig(url, "chat", "Bob", bob), bob)
	waitFor(t, 20*time.Second, "both joined", func() bool {
		return peerIDOf(a) != "" && len(b.snapshot().Connections) == 1 && len(a.snapshot().Connections) == 1
	})

	if err := a.s.SendChat("hello Bob"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "Bob got Ada's line and Ada's was confirmed", func() bool {
		return strings.Join(chatLines(b), "|") == "Ada: hello Bob" && strings.Join(chatLines(a), "|") == "Ada: hello Bob"
	})
	got := b.snapshot()
	if l := got.Chat[0]; l.From != peerIDOf(a) || l.Own || got.ChatUnread != 1 || l.At.IsZero() {
		t.Errorf("Bob's line: %+v, unread %d", l, got.ChatUnread)
	}
	if l := a.snapshot().Chat[0]; !l.Own || l.From != peerIDOf(a) || a.snapshot().ChatUnread != 0 {
		t.Errorf("Ada's own line: %+v, unread %d", l, a.snapshot().ChatUnread)
	}

	if err := b.s.SendChat("hi Ada ☕"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "Ada got Bob's line", func() bool {
		return strings.Join(chatLines(a), "|") == "Ada: hello Bob|Bob: hi Ada ☕"
	})

	// Refused locally, nothing sent.
	for _, bad := range []string{"", "\x1b]52;c;aGk=\x07", strings.Repeat("x", 501)} {
		if err := a.s.SendChat(bad); !errors.Is(err, ErrChatText) {
			t.Errorf("SendChat(%q): %v, want ErrChatText", bad, err)
		}
	}
	if n := len(a.snapshot().Chat); n != 2 {
		t.Errorf("refused lines reached the history: %v", chatLines(a))
	}
}

func TestChatRateLimitedLineMarkedRefused(t *testing.T) {
	url := testkit.StartServer(t, server.Config{Logger: discardLogger(), ChatRate: 0.001, ChatBurst: 2}).WS
	media := newFakeMedia()
	a := startMember(t, testConfig(url, "solo", "Ada", media), media)
	waitFor(t, 20*time.Second, "joined", func() bool { return peerIDOf(a) != "" })
	for _, text := range []string{"one", "two", "three"} {
		if err := a.s.SendChat(text); err != nil {
			t.Fatal(err)
		}
	}
	want := "Ada: one|Ada: two|: three ! too many lines at once; wait a moment"
	waitFor(t, 20*time.Second, "the third line refused", func() bool { return strings.Join(chatLines(a), "|") == want })
	if s := a.snapshot(); s.Error != "" {
		t.Errorf("a refused chat line became a call error: %q", s.Error)
	}
}
