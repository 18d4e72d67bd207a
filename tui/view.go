package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The smallest terminal the UI lays out; below it the screen only says so.
const (
	minWidth  = 40
	minHeight = 10
)

// View renders the screen. It reads only the model: no clock, no Engine.
func (m Model) View() tea.View {
	content := m.render
	switch {
	case m.width < minWidth || m.height < minHeight:
		content = m.renderTooSmall
	case m.chat.open:
		content = m.renderChat
	case m.picker.open:
		content = m.renderPicker
	case m.showHelp:
		content = m.renderHelp
	case m.videoView:
		content = m.renderVideo
	}
	v := tea.NewView(content())
	v.AltScreen = true
	return v
}

// renderTooSmall says the terminal is too small, and how to leave.
func (m Model) renderTooSmall() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := []string{
		styleWarn.Render(fmt.Sprintf("terminal too small: %d×%d needed", minWidth, minHeight)),
		styleDim.Render(fmt.Sprintf("this one is %d×%d", w, h)),
		"q leave",
	}
	return joinScreen(lines[:min(len(lines), h)], w, h)
}

// joinScreen joins lines into a screen of at most h lines of w cells.
func joinScreen(lines []string, w, h int) string {
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
	pane := m.detailLines(w)
	noticeLine := m.noticeLine(w)
	helpLine := m.footerLine(w)

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
	if len(lines)+len(bottom) > h {
		lines = lines[:max(h-len(bottom), 0)]
	}
	for len(lines)+len(bottom) < h {
		lines = append(lines, "")
	}
	lines = append(lines, bottom...)
	return joinScreen(lines, w, h)
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

// noticeLine renders the notification, "" when there is none. Only an
// error is marked "!"; information fades after noticeFade. When the line
// is too narrow for the whole sentence, the cause comes first, so what is
// cut is context.
func (m Model) noticeLine(w int) string {
	n := m.notice
	lvl := n.level
	var head, err string
	if n.visible(m.now) {
		head, err = n.parts(m.state, m.now)
	}
	if head == "" && err == "" {
		e := m.state.Error
		if e == "" {
			return ""
		}
		lvl, err = levelError, displayError(e)
	}
	prefix, suffix := "", ""
	if lvl == levelError {
		prefix = "! "
	}
	if lvl != levelInfo || n.sticky {
		suffix = "  (esc)"
	}
	text := prefix + joinErr(head, err)
	if err != "" && 1+ansi.StringWidth(text) > w {
		text = prefix + joinErr(head, causeFirst(err))
	}
	return clip(" "+levelStyle(lvl).Render(text)+styleDim.Render(suffix), w)
}

// footerLine is the one-line key help. Keys drop from the right as the
// terminal narrows, but "? help" and "q leave" always stay.
func (m Model) footerLine(w int) string {
	all := m.keys.ShortHelp()
	pinned := []key.Binding{m.keys.Help, m.keys.Quit}
	var rest []key.Binding
	for _, b := range all {
		if b.Help() != m.keys.Help.Help() && b.Help() != m.keys.Quit.Help() {
			rest = append(rest, b)
		}
	}
	for n := len(rest); n >= 0; n-- {
		line := " " + footerItems(append(append([]key.Binding(nil), rest[:n]...), pinned...))
		if ansi.StringWidth(line) <= w || n == 0 {
			return clip(line, w)
		}
	}
	return ""
}

// footerItems renders key bindings as "k what • k what".
func footerItems(bs []key.Binding) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = styleBold.Render(b.Help().Key) + " " + styleDim.Render(b.Help().Desc)
	}
	return strings.Join(parts, styleDim.Render(" • "))
}
