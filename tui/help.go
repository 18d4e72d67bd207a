package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Help panel layout: the width of the term column of its entries.
const helpTermW = 10

// helpLines is the full help panel (key ?): every key of the key map,
// a glossary of the table and tiles, and every quality threshold, wrapped
// to w cells.
func (m Model) helpLines(w int) []string {
	var out []string
	section := func(title string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, " "+styleHeading.Render(title))
	}
	entry := func(term, text string) {
		out = append(out, helpEntry(term, text, w)...)
	}

	section("keys")
	for _, b := range m.keys.all() {
		text := keyExplained[b.name]
		if text == "" {
			text = b.Help().Desc
		}
		entry(strings.Join(b.Keys(), "/"), text)
	}

	section("table and tiles")
	entry("▁▄█", "speaking bar beside a name: the peer's audio level, bright while they speak")
	for _, c := range columns {
		entry(c.title, c.help)
	}
	entry("tiles", "your own picture has its own tile; a peer sharing their screen fills the grid (esc: back to the grid)")

	section("quality thresholds")
	out = append(out, " "+styleDim.Render(fmt.Sprintf("  %-*s%-12s%-14s%s", helpTermW, "", "good", "fair", "poor")))
	thresholds := []struct {
		name string
		t    threshold
		unit string
	}{{"RTT", rttThreshold, "ms"}, {"loss", lossThreshold, "%"}, {"jitter", jitterThreshold, "ms"}}
	for _, th := range thresholds {
		g, b := fmtThreshold(th.t.good), fmtThreshold(th.t.bad)
		out = append(out, clip(fmt.Sprintf("   %-*s%-12s%-14s%s", helpTermW, th.name,
			"< "+g+" "+th.unit, g+"–"+b+" "+th.unit, "> "+b+" "+th.unit), w))
	}
	out = append(out, helpEntry("", fmt.Sprintf("colours: green good, yellow fair, red poor; the mark changes only %.0f %% past a threshold, so it does not flicker", hysteresis*100), w)...)

	section("other")
	entry("verify", "read the code aloud with the peer; if theirs differs, someone is in between")
	if r := m.state.AudioOutput; r != "" {
		entry("audio", "none: "+errText(r))
	}
	return out
}

// fmtThreshold formats a threshold figure without needless decimals.
func fmtThreshold(v float64) string { return fmt.Sprintf("%g", v) }

// helpEntry is one glossary entry: the term, then its text wrapped under
// itself.
func helpEntry(term, text string, w int) []string {
	indent := 3 + helpTermW
	tw := max(w-indent, 10)
	wrapped := strings.Split(ansi.Wordwrap(text, tw, " "), "\n")
	out := make([]string, 0, len(wrapped))
	for i, l := range wrapped {
		lead := spaces(indent)
		if i == 0 {
			lead = "   " + styleBold.Render(fit(term, helpTermW))
		}
		out = append(out, clip(lead+l, w))
	}
	return out
}

// renderHelp lays the help panel out in m.width × m.height cells,
// scrolled by ↑/↓ when it is taller than the terminal.
func (m Model) renderHelp() string {
	w, h := m.width, m.height
	body := m.helpLines(w)
	room := max(h-3, 0) // title, notification and footer lines
	first := min(m.helpScroll, max(len(body)-room, 0))
	view := body[first:min(first+room, len(body))]
	if len(body) > room && room > 0 {
		view = view[:len(view)-1]
		more := fmt.Sprintf(" ↑/↓ scroll · lines %d–%d of %d", first+1, first+len(view), len(body))
		view = append(view, clip(styleDim.Render(more), w))
	}
	lines := make([]string, 0, h)
	lines = append(lines, m.headerLines(w)[0])
	lines = append(lines, view...)
	for len(lines) < h-2 {
		lines = append(lines, "")
	}
	lines = append(lines, m.noticeLine(w), m.footerLine(w))
	return joinScreen(lines, w, h)
}

// maxHelpScroll is the last useful scroll position of the help panel.
func (m Model) maxHelpScroll() int {
	return max(len(m.helpLines(m.width))-max(m.height-3, 0)+1, 0)
}
