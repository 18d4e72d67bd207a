package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/rtcterm/rtcterm/store"
)

// The palette keeps to the 16 ANSI colours plus one 256-colour orange, so it
// reads on light and dark terminals alike; Bubble Tea downsamples further
// when the terminal has fewer colours.
var (
	styleTitle    = lipgloss.NewStyle().Bold(true).Reverse(true)
	styleBold     = lipgloss.NewStyle().Bold(true)
	styleDim      = lipgloss.NewStyle().Foreground(lipgloss.BrightBlack)
	styleGood     = lipgloss.NewStyle().Foreground(lipgloss.Green)
	styleWarn     = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
	styleBad      = lipgloss.NewStyle().Foreground(lipgloss.Red)
	styleOrange   = lipgloss.NewStyle().Foreground(lipgloss.Color("208"))
	styleMuted    = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.BrightWhite).Background(lipgloss.Red)
	styleOn       = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Green)
	styleHeading  = lipgloss.NewStyle().Bold(true)
	styleSelected = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Cyan)
	styleSpeaking = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Green)
)

// gradeStyle colours a measurement by its grade.
func gradeStyle(g grade) lipgloss.Style {
	switch g {
	case good:
		return styleGood
	case warn:
		return styleWarn
	case bad:
		return styleBad
	}
	return lipgloss.NewStyle()
}

// statusStyle colours a connection status.
func statusStyle(s store.Status) lipgloss.Style {
	switch s {
	case store.StatusConnecting:
		return styleWarn
	case store.StatusConnected:
		return styleGood
	case store.StatusDisconnected:
		return styleOrange
	case store.StatusFailed:
		return styleBad.Bold(true)
	}
	return styleDim
}

// levelStyle colours a notice.
func levelStyle(l level) lipgloss.Style {
	switch l {
	case levelWarn:
		return styleWarn
	case levelError:
		return styleBad.Bold(true)
	}
	return styleGood
}
