package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestChatOwnLinePendingUntilEchoed(t *testing.T) {
	s := New()
	s = Reduce(s, ChatSent{Text: "hi", At: t0})
	s = Reduce(s, ChatSent{Text: "again", At: t0})
	if len(s.Chat) != 2 || !s.Chat[0].Pending || !s.Chat[0].Own || s.ChatUnread != 0 {
		t.Fatalf("after sending: %+v unread %d", s.Chat, s.ChatUnread)
	}
	at := t0.Add(time.Second)
	s = Reduce(s, ChatReceived{From: "me", UserName: "Ada (2)", Text: "again", At: at, Own: true})
	if got := s.Chat[1]; got.Pending || got.UserName != "Ada (2)" || !got.At.Equal(at) || got.From != "me" {
		t.Errorf("echo did not confirm its line: %+v", got)
	}
	if !s.Chat[0].Pending || len(s.Chat) != 2 || s.ChatUnread != 0 {
		t.Errorf("echo touched another line or counted as unread: %+v unread %d", s.Chat, s.ChatUnread)
	}
	// An echo with no pending line (sent from another window) is shown, not unread.
	s = Reduce(s, ChatReceived{From: "me", Text: "elsewhere", At: at, Own: true})
	if len(s.Chat) != 3 || s.ChatUnread != 0 {
		t.Errorf("unmatched echo: %+v unread %d", s.Chat, s.ChatUnread)
	}
}

func TestChatRefusedMarksOldestPending(t *testing.T) {
	s := New()
	s = Reduce(s, ChatSent{Text: "one", At: t0})
	s = Reduce(s, ChatSent{Text: "two", At: t0})
	s = Reduce(s, ChatRefused{Reason: "rate-limited"})
	if s.Chat[0].Refused != "rate-limited" || s.Chat[0].Pending || !s.Chat[1].Pending {
		t.Errorf("refusal: %+v", s.Chat)
	}
	s = Reduce(s, ChatRefused{Reason: "x"})
	if _, err := Apply(s, ChatRefused{Reason: "y"}); !errors.Is(err, ErrNoPendingChat) {
		t.Errorf("refusal with nothing pending: %v", err)
	}
}

func TestChatUnreadAndRead(t *testing.T) {
	s := New()
	for i := range 3 {
		s = Reduce(s, ChatReceived{From: "b", UserName: "Bob", Text: fmt.Sprint(i), At: t0})
	}
	if s.ChatUnread != 3 {
		t.Errorf("unread %d, want 3", s.ChatUnread)
	}
	s = Reduce(s, ChatRead{})
	if s.ChatUnread != 0 || len(s.Chat) != 3 {
		t.Errorf("after read: unread %d, %d lines", s.ChatUnread, len(s.Chat))
	}
}

func TestChatHistoryBoundedAndNotShared(t *testing.T) {
	s := New()
	for i := range ChatHistoryLen + 50 {
		s = Reduce(s, ChatReceived{From: "b", Text: fmt.Sprint(i), At: t0})
	}
	if len(s.Chat) != ChatHistoryLen || s.Chat[0].Text != "50" || s.Chat[ChatHistoryLen-1].Text != fmt.Sprint(ChatHistoryLen+49) {
		t.Fatalf("history: %d lines from %q", len(s.Chat), s.Chat[0].Text)
	}
	before := s
	_ = Reduce(s, ChatSent{Text: "new", At: t0})
	_ = Reduce(s, ChatRefused{})
	if before.Chat[len(before.Chat)-1].Text != fmt.Sprint(ChatHistoryLen+49) {
		t.Error("a later state wrote into an earlier state's history")
	}
}
