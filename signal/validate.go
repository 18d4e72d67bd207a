package signal

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limits of protocol v1 fields, in bytes unless stated.
const (
	MaxRoomLen     = 64   // characters of [A-Za-z0-9._-]
	MaxUserNameLen = 64   // Unicode characters
	MaxUserIDLen   = 128  // Unicode characters
	MaxTokenLen    = 4096 // bytes
	MaxFrameBytes  = 64 << 10
)

// ValidateRoom checks a room name: 1–64 characters of [A-Za-z0-9._-].
// The error wraps ErrBadMessage.
func ValidateRoom(room string) error {
	if room == "" || len(room) > MaxRoomLen {
		return fmt.Errorf("%w: room must be 1-%d characters", ErrBadMessage, MaxRoomLen)
	}
	for i := 0; i < len(room); i++ {
		c := room[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("%w: room may contain only A-Z a-z 0-9 . _ -", ErrBadMessage)
		}
	}
	return nil
}

// ValidateUserName checks a display name: 1–64 Unicode characters, none of
// them a control, format (bidi overrides, zero-width joiners) or line/paragraph
// separator character, so a name cannot break a terminal line or reorder text.
// The error wraps ErrBadMessage.
func ValidateUserName(name string) error {
	return validateText("userName", name, 1, MaxUserNameLen)
}

// ValidateUserID checks an optional user id: up to 128 characters under the
// same character rules as ValidateUserName.
func ValidateUserID(id string) error {
	return validateText("userId", id, 0, MaxUserIDLen)
}

func validateText(field, s string, minRunes, maxRunes int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrBadMessage, field)
	}
	n := utf8.RuneCountInString(s)
	if n < minRunes || n > maxRunes {
		return fmt.Errorf("%w: %s must be %d-%d characters", ErrBadMessage, field, minRunes, maxRunes)
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cs) {
			return fmt.Errorf("%w: %s contains a control or format character (U+%04X)", ErrBadMessage, field, r)
		}
	}
	return nil
}
