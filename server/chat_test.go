package server

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/signal"
)

// chatRoom joins A and B to room r and C to room other, with each one's
// join notices consumed.
func chatRoom(t *testing.T, cfg Config) (ts *testServer, a, b, c *tclient) {
	ts = newTestServer(t, cfg)
	a, b, c = dial(t, ts.url), dial(t, ts.url), dial(t, ts.url)
	a.join("r", "Ada")
	b.join("r", "Bob")
	expect[*signal.PeerJoined](a)
	c.join("other", "Cy")
	return ts, a, b, c
}

func TestChatRelayedToRoomWithServerStamps(t *testing.T) {
	at := time.Date(2026, 3, 4, 15, 4, 5, 0, time.FixedZone("X", 3600))
	ts, a, b, c := chatRoom(t, Config{Now: func() time.Time { return at }})

	// The client tries to speak as Bob, with a made-up name and time.
	a.sendRaw(mustJSON(map[string]any{"type": "chat", "text": "hello ☕", "from": b.peerID, "userName": "Bob", "at": "1999-01-01T00:00:00Z"}))
	for _, who := range []*tclient{b, a} { // the sender gets its line back too
		m := expect[*signal.Chat](who)
		if m.From != a.peerID || m.UserName != "Ada" || m.Text != "hello ☕" || !m.At.Equal(at) {
			t.Errorf("received %+v, want from %s (Ada) at %v", m, a.peerID, at)
		}
	}
	// Another room hears nothing: C's next frame is its own chat's echo.
	c.send(signal.Chat{Text: "anyone?"})
	if m := expect[*signal.Chat](c); m.From != c.peerID {
		t.Errorf("C got %+v first", m)
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_chat_messages_total", chatRelayed); got != 2 {
		t.Errorf("relayed chat lines counted: %v", got)
	}
}

func TestChatWireFormat(t *testing.T) {
	at := time.Date(2026, 3, 4, 15, 4, 5, 123e6, time.UTC)
	_, a, b, _ := chatRoom(t, Config{Now: func() time.Time { return at }})
	a.sendRaw(`{"type":"chat","text":"hi"}`)
	raw := <-b.msgs
	want := `{"type":"chat","from":"` + a.peerID + `","userName":"Ada","text":"hi","at":"2026-03-04T15:04:05.123Z"}`
	if string(raw) != want {
		t.Errorf("wire frame\n got %s\nwant %s", raw, want)
	}
}

func TestChatSizeCap(t *testing.T) {
	ts, a, b, _ := chatRoom(t, Config{})
	for _, text := range []string{
		strings.Repeat("a", signal.MaxChatRunes+1),   // too many characters
		strings.Repeat("€", signal.MaxChatBytes/3+1), // 334 characters, 1002 bytes
	} {
		a.send(signal.Chat{Text: text})
		a.expectError(signal.CodeTooLarge, "chat")
	}
	fits := strings.Repeat("a", signal.MaxChatRunes)
	a.send(signal.Chat{Text: fits})
	if m := expect[*signal.Chat](b); m.Text != fits {
		t.Errorf("a line at the limit was not relayed whole: %d characters", len(m.Text))
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_chat_messages_total", chatTooLarge); got != 2 {
		t.Errorf("too-large chat lines counted: %v", got)
	}
}

func TestChatRejectsControlAndFormatCharacters(t *testing.T) {
	_, a, b, _ := chatRoom(t, Config{})
	for _, text := range []string{
		"", "   ",
		"\x1b[2J", "\x1b]52;c;aGk=\x07", "a\nb", "tab\there",
		"\u202eevil", "zero\u200bwidth", "\u0085c1",
	} {
		a.send(signal.Chat{Text: text})
		a.expectError(signal.CodeBadMessage, "chat")
	}
	a.sendRaw(`{"type":"chat","text":7}`)
	a.expectError(signal.CodeBadMessage, "chat")
	a.send(signal.Chat{Text: "fine"})
	if m := expect[*signal.Chat](b); m.Text != "fine" {
		t.Errorf("B's first chat line is %q: a refused line got through", m.Text)
	}
}

func TestChatRateLimitPerPeer(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1e9, 0).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	ts, a, b, _ := chatRoom(t, Config{Now: clock, ChatRate: 1, ChatBurst: 5})
	for range 5 {
		a.send(signal.Chat{Text: "x"})
		expect[*signal.Chat](b)
	}
	a.send(signal.Chat{Text: "sixth"})
	// A's own echoes of the five arrive first, then the refusal.
	for range 5 {
		expect[*signal.Chat](a)
	}
	a.expectError(signal.CodeRateLimited, "chat")
	// Bob's budget is his own.
	b.send(signal.Chat{Text: "me too"})
	if m := expect[*signal.Chat](a); m.Text != "me too" {
		t.Errorf("got %q", m.Text)
	}
	// Two seconds later two more lines are allowed.
	now.Add(int64(2 * time.Second))
	a.send(signal.Chat{Text: "later"})
	if m := expect[*signal.Chat](a); m.Text != "later" {
		t.Errorf("after refill got %q", m.Text)
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_chat_messages_total", chatRateLimited); got != 1 {
		t.Errorf("rate-limited chat lines counted: %v", got)
	}
}

func TestChatBeforeJoin(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := dial(t, ts.url)
	a.send(signal.Chat{Text: "hi"})
	a.expectError(signal.CodeNotJoined, "chat")
}
