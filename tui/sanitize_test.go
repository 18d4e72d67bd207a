package tui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
		max            int
	}{
		{"plain", "Grace Hopper", "Grace Hopper", 32},
		{"csi colour", "\x1b[31mGrace\x1b[0m", "Grace", 32},
		{"csi cursor moves", "a\x1b[2J\x1b[H\x1b[10;10Hb", "ab", 32},
		{"osc title bel", "\x1b]0;pwned\x07Ada", "Ada", 32},
		{"osc title st", "\x1b]2;pwned\x1b\\Ada", "Ada", 32},
		{"osc 52 clipboard", "Eve\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07", "Eve", 32},
		{"osc 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click", 32},
		{"dcs", "\x1bP+q544e\x1b\\x", "x", 32},
		{"c1 csi", "a\u009b31mb", "a31mb", 32},
		{"newlines", "line1\nline2\r\nline3", "line1 line2 line3", 32},
		{"tabs and runs", "  a\t\t b  ", "a b", 32},
		{"bidi override", "abc\u202Eevil\u202C", "abcevil", 32},
		{"isolates and zero width", "a\u2066b\u2069\u200Bc\u200Dd\uFEFF", "abcd", 32},
		{"line separator", "a\u2028b\u2029c", "a b c", 32},
		{"bell backspace del", "a\x07\x08\x7fb", "ab", 32},
		{"invalid utf8", "a\xffb", "a\uFFFDb", 32},
		{"truncate ascii", "abcdefghij", "abcd…", 5},
		{"wide runes", "漢字漢字漢字", "漢字…", 5},
		{"zalgo", "a\u0301\u0302\u0303\u0304b", "a\u0301\u0302b", 32},
		{"leading mark", "\u0301a", "a", 32},
		{"empty", "", "", 32},
		{"only escapes", "\x1b[31m\x1b[0m", "", 32},
		{"zero max", "abc", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			assertSafe(t, got, tt.max)
		})
	}
}

func TestSanitizeHugeName(t *testing.T) {
	huge := strings.Repeat("\x1b]52;c;QUFBQQ==\x07Mallory\n\u202E", 400) // about 10 kB
	if len(huge) < 10_000 {
		t.Fatalf("test input is only %d bytes", len(huge))
	}
	got := Sanitize(huge, MaxNameCells)
	assertSafe(t, got, MaxNameCells)
	if !strings.HasPrefix(got, "Mallory Mallory") {
		t.Errorf("got %q", got)
	}
	if w := ansi.StringWidth(got); w != MaxNameCells {
		t.Errorf("width %d, want %d", w, MaxNameCells)
	}
}

func TestSanitizeNameFallback(t *testing.T) {
	if got := sanitizeName("\x1b[0m\n", "peer-7"); got != "peer-7" {
		t.Errorf("got %q", got)
	}
}

// FuzzSanitize checks the invariants on arbitrary input: no escape or
// control character survives and the width limit holds.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"Grace", "\x1b]52;c;QQ==\x07", "\u202Eab", "a\nb", "漢字\x1b[1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertSafe(t, Sanitize(s, 12), 12)
	})
}

// assertSafe fails if s holds anything that could move the cursor, change
// the terminal's state or throw off a width calculation.
func assertSafe(t *testing.T, s string, maxCells int) {
	t.Helper()
	for _, r := range s {
		if r == '\x1b' || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) || !unicode.IsPrint(r) {
			t.Fatalf("unsafe rune %U in %q", r, s)
		}
	}
	if w := ansi.StringWidth(s); w > maxCells {
		t.Fatalf("width %d > %d for %q", w, maxCells, s)
	}
	if ansi.Strip(s) != s {
		t.Fatalf("escape sequence survived in %q", s)
	}
}

// TestSanitizeDropsDisputedWidths: emoji with a skin tone and conjoining
// Hangul jamo keep their base characters, so every terminal agrees on
// where the row ends.
func TestSanitizeDropsDisputedWidths(t *testing.T) {
	for in, want := range map[string]string{
		"Ada 👍🏽":        "Ada 👍",
		"☺️ ok":         "☺ ok",
		"\u1100\u1161x": "\u1100x",
		"한국":            "한국", // precomposed syllables are fine
	} {
		if got := Sanitize(in, 32); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
