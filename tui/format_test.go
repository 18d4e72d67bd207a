package tui

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 79.4: "79", 9999: "9999", 12345: "12.3k", 2_500_000: "2.5M", 250_000: "250.0k", -1: "-"} {
		if got := fmtInt(v); got != want {
			t.Errorf("fmtInt(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0.0", 2.94: "2.9", 12.4: "12"} {
		if got := fmtPct(v); got != want {
			t.Errorf("fmtPct(%v) = %q, want %q", v, got, want)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Second: "5s", 185 * time.Second: "3m05s", 62 * time.Minute: "1h02m", 200 * time.Hour: "8d", -time.Second: "0s"} {
		if got := fmtSince(t0.Add(-d), t0); got != want {
			t.Errorf("fmtSince(%v) = %q, want %q", d, got, want)
		}
	}
	if fmtSince(time.Time{}, t0) != "" || fmtResolution(0, 480) != "" || fmtResolution(640, 480) != "640x480" {
		t.Error("unknown values")
	}
	if fit("漢字漢字", 5) != "漢字…" || fit("ab", 4) != "ab  " || fitLeft("ab", 4) != "  ab" || fit("x", 0) != "" {
		t.Error("fit")
	}
}
