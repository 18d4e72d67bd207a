package store

import (
	"errors"
	"time"
)

// ChatHistoryLen bounds the chat history: older lines are forgotten, so a
// chatty room costs bounded memory.
const ChatHistoryLen = 200

// ErrNoPendingChat reports a ChatRefused with no pending line to refuse.
var ErrNoPendingChat = errors.New("no pending chat line")

// ChatLine is one line of the call's chat. Text and UserName are as the
// remote sent them: sanitize before display.
type ChatLine struct {
	From     string    // sender's peer id; "" for an own line not yet echoed
	UserName string    // the server's record of the sender's name
	Text     string    // the line
	At       time.Time // the server's stamp; the local clock while pending
	Own      bool      // we sent it
	Pending  bool      // own line the server has not echoed yet
	Refused  string    // why the server refused an own line; "" when it did not
}

// chatReceived confirms the oldest pending own line with the same text, or
// appends the line; remote lines count as unread.
func chatReceived(s State, a ChatReceived) State {
	line := ChatLine{From: a.From, UserName: a.UserName, Text: a.Text, At: a.At, Own: a.Own}
	if a.Own {
		for i, l := range s.Chat {
			if l.Pending && l.Text == a.Text {
				s.Chat = replaceChat(s.Chat, i, line)
				return s
			}
		}
	} else {
		s.ChatUnread++
	}
	s.Chat = appendChat(s.Chat, line)
	return s
}

// chatRefused marks the oldest pending line refused: the server answers
// lines in order, one echo or one error each.
func chatRefused(s State, reason string) (State, error) {
	for i, l := range s.Chat {
		if l.Pending {
			l.Pending, l.Refused = false, reason
			s.Chat = replaceChat(s.Chat, i, l)
			return s, nil
		}
	}
	return s, ErrNoPendingChat
}

// appendChat returns a fresh history with l appended, the oldest lines
// dropped beyond ChatHistoryLen.
func appendChat(h []ChatLine, l ChatLine) []ChatLine {
	if len(h) >= ChatHistoryLen {
		h = h[len(h)-ChatHistoryLen+1:]
	}
	out := make([]ChatLine, len(h), len(h)+1)
	copy(out, h)
	return append(out, l)
}

// replaceChat returns a fresh history with line i replaced.
func replaceChat(h []ChatLine, i int, l ChatLine) []ChatLine {
	out := make([]ChatLine, len(h))
	copy(out, h)
	out[i] = l
	return out
}
