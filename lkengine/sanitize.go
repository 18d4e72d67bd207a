package lkengine

import (
	"strings"
	"unicode"
)

// maxNameRunes bounds a participant name kept in the state: LiveKit lets
// a token carry any name, and the UI shows a few dozen cells at most.
const maxNameRunes = 64

// sanitizeName makes a remote participant's name safe to keep and show:
// control and format characters (escape sequences, bidi overrides) are
// dropped, whitespace runs become one space, and the length is capped.
// The UI sanitizes again for width; this keeps raw bytes out of the state
// and the logs. fallback is used when nothing printable is left.
func sanitizeName(name, fallback string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range name {
		if n >= maxNameRunes {
			break
		}
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), !unicode.IsPrint(r), r == unicode.ReplacementChar:
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if b.Len() == 0 {
		if fallback != "" && fallback != name {
			return sanitizeName(fallback, "")
		}
		return "?"
	}
	return b.String()
}
