package tui

import (
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// noValue fills a cell that has no measurement yet.
const noValue = "-"

// fmtInt formats a non-negative measurement as a whole number, compacting
// large values ("12.3k") so they keep to their column.
func fmtInt(v float64) string {
	switch {
	case v < 0:
		return noValue
	case v >= 999_950:
		return strconv.FormatFloat(v/1_000_000, 'f', 1, 64) + "M"
	case v >= 10_000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// fmtPct formats a percentage with one decimal below 10 and none above.
func fmtPct(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// fmtResolution formats a video size as "640x480", "" when unknown.
func fmtResolution(w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	return strconv.Itoa(w) + "x" + strconv.Itoa(h)
}

// fmtSince formats how long ago t was, compactly: "42s", "3m05s", "1h02m".
func fmtSince(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 100*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// fit pads or truncates s (which may hold styles) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + spaces(w-sw)
}

// fitLeft is fit that pads on the left, for numbers.
func fitLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return spaces(w-sw) + s
}

// clip truncates s (which may hold styles) to at most w cells.
func clip(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, max(w, 0), "…")
}

const blanks = "                                                                                "

func spaces(n int) string {
	if n <= len(blanks) {
		return blanks[:max(n, 0)]
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}
