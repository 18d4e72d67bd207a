package tui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Display limits, in terminal cells, for text a remote party controls.
const (
	MaxNameCells  = 32  // peer and user names
	MaxErrorCells = 160 // error text
	MaxLabelCells = 24  // codec names, candidate types and similar labels
)

// maxInputBytes bounds how much of a hostile string is looked at at all, so
// a 10 kB name costs no more to render than a 32-cell one.
const maxInputBytes = 1024

// maxCombining bounds the combining marks kept after one base character, so
// stacked diacritics cannot spill over neighbouring lines.
const maxCombining = 2

// Sanitize makes text a remote party controls (names, error text, codec
// strings) safe to put on the screen: it removes ANSI escape sequences (CSI,
// OSC including OSC 52 clipboard writes, DCS and the rest), control and
// format characters (Unicode Cc and Cf, so bidi overrides too) and line or
// paragraph separators, folds runs of white space into one space, and
// truncates the result to maxCells terminal cells with an ellipsis. The
// result never changes a width calculation: every rune left is printable.
func Sanitize(s string, maxCells int) string {
	if maxCells <= 0 {
		return ""
	}
	if len(s) > maxInputBytes {
		s = s[:maxInputBytes]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = ansi.Strip(s)

	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is owed before the next printable rune
	combining := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			space = b.Len() > 0
			continue
		}
		// IsPrint rejects Cc, Cf (bidi overrides, zero-width joiners), Cs,
		// Co and unassigned code points: nothing whose width is unknown.
		if !unicode.IsPrint(r) || disputedWidth(r) {
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if combining >= maxCombining || b.Len() == 0 {
				continue
			}
			combining++
		} else {
			combining = 0
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if ansi.StringWidth(out) > maxCells {
		out = ansi.Truncate(out, maxCells, "…")
	}
	return out
}

// disputedWidth reports runes whose width terminals disagree on, so a row
// that holds one would end in a different column on different terminals:
// emoji skin-tone modifiers (drawn joined or as a second cell), variation
// selectors, and Hangul jamo that conjoin with the syllable before them.
// Dropping them keeps the base character, which every terminal agrees on.
func disputedWidth(r rune) bool {
	switch {
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin-tone modifiers
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r >= 0x1160 && r <= 0x11FF, r >= 0xD7B0 && r <= 0xD7FF: // conjoining jamo (medial, final)
		return true
	}
	return false
}

// sanitizeName is Sanitize for names, with a placeholder for a name that
// sanitizes to nothing, so a row is never blank.
func sanitizeName(name, fallback string) string {
	if s := Sanitize(name, MaxNameCells); s != "" {
		return s
	}
	return Sanitize(fallback, MaxNameCells)
}
