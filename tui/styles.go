package tui

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// paint is a text style reduced once to its SGR sequence, so colouring a
// cell is a concatenation: View runs on every message and a full Lipgloss
// render per cell cost most of its time.
type paint struct{ sgr string }

func newPaint(s ansi.Style) paint { return paint{sgr: s.String()} }

// Render styles s; the zero paint leaves it as it is.
func (p paint) Render(s string) string {
	if p.sgr == "" || s == "" {
		return s
	}
	return p.sgr + s + ansi.ResetStyle
}

// The palette keeps to the 16 ANSI colours plus one 256-colour orange, so it
// reads on light and dark terminals alike; Bubble Tea downsamples further
// when the terminal has fewer colours.
var (
	plain         = paint{}
	styleTitle    = newPaint(ansi.NewStyle().Bold().Reverse(true))
	styleBold     = newPaint(ansi.NewStyle().Bold())
	styleDim      = newPaint(ansi.NewStyle().ForegroundColor(ansi.BrightBlack))
	styleGood     = newPaint(ansi.NewStyle().ForegroundColor(ansi.Green))
	styleWarn     = newPaint(ansi.NewStyle().ForegroundColor(ansi.Yellow))
	styleBad      = newPaint(ansi.NewStyle().ForegroundColor(ansi.Red))
	styleBadBold  = newPaint(ansi.NewStyle().Bold().ForegroundColor(ansi.Red))
	styleOrange   = newPaint(ansi.NewStyle().ForegroundColor(ansi.IndexedColor(208)))
	styleMuted    = newPaint(ansi.NewStyle().Bold().ForegroundColor(ansi.BrightWhite).BackgroundColor(ansi.Red))
	styleOn       = newPaint(ansi.NewStyle().Bold().ForegroundColor(ansi.Green))
	styleHeading  = styleBold
	styleSelected = newPaint(ansi.NewStyle().Bold().ForegroundColor(ansi.Cyan))
	styleSpeaking = styleOn
)

// gradeStyle colours a measurement by its grade.
func gradeStyle(g grade) paint {
	switch g {
	case good:
		return styleGood
	case warn:
		return styleWarn
	case bad:
		return styleBad
	}
	return plain
}

// statusStyle colours a connection status.
func statusStyle(s store.Status) paint {
	switch s {
	case store.StatusConnecting:
		return styleWarn
	case store.StatusConnected:
		return styleGood
	case store.StatusDisconnected:
		return styleOrange
	case store.StatusFailed:
		return styleBadBold
	}
	return styleDim
}

// levelStyle colours a notice.
func levelStyle(l level) paint {
	switch l {
	case levelWarn:
		return styleWarn
	case levelError:
		return styleBadBold
	}
	return styleGood
}
