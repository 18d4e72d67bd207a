package signal

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TypeChat is the "type" of a chat line, in both directions.
const TypeChat = "chat"

// Limits of a chat line's text: both must hold.
const (
	MaxChatRunes = 500  // Unicode characters
	MaxChatBytes = 1000 // UTF-8 bytes
)

// Chat is one line of in-call chat. A client sends only Text; the server
// relays it to every member of the sender's room, the sender included, with
// From (the sender's peer id), UserName (the server's record of the
// sender's name) and At (the server's clock) stamped over whatever the
// client sent. Chat lines are never stored.
type Chat struct {
	From     string    `json:"from,omitempty"`     // set by the server; ignored when sent
	UserName string    `json:"userName,omitempty"` // set by the server; ignored when sent
	Text     string    `json:"text"`
	At       time.Time `json:"at,omitzero"` // set by the server; ignored when sent
}

// MessageType implements Message.
func (Chat) MessageType() string { return TypeChat }

// ValidateChatLimits checks the size of a chat line: at most MaxChatRunes
// characters and MaxChatBytes bytes. It is checked apart from the
// characters because an over-long line has its own error code (too-large).
func ValidateChatLimits(text string) error {
	if len(text) > MaxChatBytes || utf8.RuneCountInString(text) > MaxChatRunes {
		return fmt.Errorf("chat text must be at most %d characters and %d bytes", MaxChatRunes, MaxChatBytes)
	}
	return nil
}

// ValidateChatText checks a chat line's characters: valid UTF-8, not blank,
// and under the rules of ValidateUserName (no control, format, line or
// paragraph separator characters), so a line can neither carry terminal
// escapes nor reorder the text around it. A line is one line: newlines and
// tabs are control characters. The error wraps ErrBadMessage.
func ValidateChatText(text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%w: chat text is empty", ErrBadMessage)
	}
	return validateText("text", text, 1, MaxChatRunes)
}
