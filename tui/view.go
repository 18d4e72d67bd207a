package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View renders the screen. It reads only the model: no clock, no Engine.
func (m Model) View() tea.View {
	content := m.render
	if m.videoView && !m.showHelp {
		content = m.renderVideo
	}
	v := tea.NewView(content())
	v.AltScreen = true
	return v
}

// render lays the screen out in m.width × m.height cells. When the
// terminal is short, parts go in this order: spacing, the join hint, the
// table rows beyond three, the detail pane, the local media line, the
// notification, the remaining rows; the result never exceeds the terminal.
func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	header := m.headerLines(w)
	hint := m.hintLines(w)
	var pane []string
	if m.showHelp {
		pane = m.fullHelpLines(w)
	} else {
		pane = m.detailLines(w)
	}
	noticeLine := m.noticeLine(w)
	helpLine := clip(" "+m.help.ShortHelpView(m.keys.ShortHelp()), w)

	peers := max(len(m.state.Connections), 1)
	rows := peers
	gaps := 2       // blank lines above the table and above the pane
	noticeSlot := 1 // the notification line is kept even when empty
	used := func() int {
		n := len(header) + len(hint) + 1 + rows + len(pane) + noticeSlot + 1
		if len(pane) == 0 {
			return n + min(gaps, 1)
		}
		return n + gaps
	}
	shrink := []func(){
		func() { rows = max(min(rows, 3), rows-(used()-h)) },
		func() { gaps = 0 },
		func() { hint = nil },
		func() { pane = nil },
		func() { header = header[:1] },
		func() { noticeSlot, noticeLine = 0, "" },
		func() { rows = max(1, rows-(used()-h)) },
	}
	for _, step := range shrink {
		if used() <= h {
			break
		}
		step()
	}

	lines := make([]string, 0, h)
	lines = append(lines, header...)
	lines = append(lines, hint...)
	if gaps > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, m.tableLines(w, rows)...)
	if len(pane) > 0 {
		if gaps > 1 {
			lines = append(lines, "")
		}
		lines = append(lines, pane...)
	}
	// The notification and help lines sit at the bottom of the screen.
	bottom := []string{helpLine}
	if noticeSlot > 0 {
		bottom = []string{noticeLine, helpLine}
	}
	for len(lines)+len(bottom) < h {
		lines = append(lines, "")
	}
	lines = append(lines, bottom...)
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

// hintLines shows how a second person joins, one line per line of the hint.
func (m Model) hintLines(w int) []string {
	if m.opts.JoinHint == "" {
		return nil
	}
	var out []string
	for i, l := range strings.Split(m.opts.JoinHint, "\n") {
		l = Sanitize(l, 4*w)
		if l == "" {
			continue
		}
		label := "join  "
		if i > 0 {
			label = "      "
		}
		out = append(out, clip(" "+styleDim.Render(label)+l, w))
		if len(out) == 2 {
			break
		}
	}
	return out
}

// noticeLine renders the notification, "" when there is none.
func (m Model) noticeLine(w int) string {
	text := m.notice.render(m.state, m.now)
	if text == "" {
		if e := m.state.Error; e != "" {
			return clip(" "+styleBad.Render("! "+Sanitize(e, MaxErrorCells)), w)
		}
		return ""
	}
	text = levelStyle(m.notice.level).Render("! " + text)
	return clip(" "+text+styleDim.Render("  (esc)"), w)
}

// fullHelpLines renders the full key map and a legend for the table.
func (m Model) fullHelpLines(w int) []string {
	keys := m.keys
	keys.Help.SetHelp("?", "close help")
	var out []string
	for _, l := range strings.Split(m.help.FullHelpView(keys.FullHelp()), "\n") {
		out = append(out, clip(" "+l, w))
	}
	legend := []string{
		"media: M mic, x muted, C camera, S screen, - off",
		"green: loss < 3 % and RTT < 150 ms; red: loss > 10 % or RTT > 400 ms",
		"verify: read the code aloud; if theirs differs, someone is in between",
	}
	out = append(out, "")
	for _, l := range legend {
		out = append(out, clip(" "+styleDim.Render(l), w))
	}
	return out
}
