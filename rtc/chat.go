package rtc

import (
	"errors"
	"fmt"

	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// ErrChatText reports a chat line that the server would refuse (empty,
// too long, or holding control or format characters); nothing was sent.
var ErrChatText = errors.New("chat line not sent")

// SendChat sends one chat line to the room. The line is recorded at once
// (store.ChatSent, pending) and confirmed when the server's echo arrives
// (store.ChatReceived with Own) or refused (store.ChatRefused). While
// signaling is down the line waits in the session's outbox.
func (s *Session) SendChat(text string) error {
	if err := errors.Join(signal.ValidateChatLimits(text), signal.ValidateChatText(text)); err != nil {
		return fmt.Errorf("%w: %w", ErrChatText, err)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	// Recorded before it is queued, so its echo can only come after.
	s.emit(store.ChatSent{Text: text, At: s.now()})
	s.send(&signal.Chat{Text: text})
	return nil
}

// chatReceived reports a chat line the server relayed. Lines beyond the
// protocol's size limits are dropped, so a misbehaving server cannot make
// the bounded history hold megabytes; the text is shown sanitized by the UI.
func (s *Session) chatReceived(m *signal.Chat) {
	if signal.ValidateChatLimits(m.Text) != nil || len(m.UserName) > 4*signal.MaxUserNameLen {
		s.log.Debug("chat line dropped: over the protocol limits", "from", m.From)
		return
	}
	at := m.At
	if at.IsZero() {
		at = s.now()
	}
	s.emit(store.ChatReceived{From: m.From, UserName: m.UserName, Text: m.Text, At: at, Own: m.From != "" && m.From == s.selfPeerID()})
}

// chatRefused turns the server's refusal of a chat line into
// store.ChatRefused; it reports whether m was about chat, so the caller
// does not also show it as a connection error.
func (s *Session) chatRefused(m *signal.Error) bool {
	if m.Ref != signal.TypeChat {
		return false
	}
	reason := m.Message
	switch m.Code {
	case signal.CodeUnknownType:
		reason = "this server does not relay chat"
	case signal.CodeRateLimited:
		reason = "too many lines at once; wait a moment"
	case signal.CodeTooLarge:
		reason = fmt.Sprintf("too long (at most %d characters)", signal.MaxChatRunes)
	}
	s.emit(store.ChatRefused{Reason: reason})
	return true
}
