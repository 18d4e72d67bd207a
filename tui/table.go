package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// column is one column of the peer table. Columns with a higher drop
// number disappear first when the terminal is too narrow for all of them.
type column struct {
	title string
	width int
	right bool // numbers align right
	drop  int
	cell  func(m Model, c store.Connection) (string, paint)
	help  string // the help panel's glossary entry
}

// Name column limits, in cells, including the speaking indicator.
const (
	nameMinWidth = 12
	nameMaxWidth = MaxNameCells + 2
	gutterWidth  = 2 // selection marker and a space
)

// columns lists the table after the name column, in display order.
var columns = []column{
	{title: "qual", width: 4, drop: 1, cell: qualityCell,
		help: "call quality, the worst of RTT, loss and jitter: ●●● good, ●●○ fair, ●○○ poor (thresholds below)"},
	{title: "media", width: 5, drop: 1, cell: mediaCell,
		help: "what the peer sends: M microphone (x muted), C camera, S screen share, - off"},
	{title: "status", width: 12, drop: 1, cell: statusCell,
		help: "connecting, connected, disconnected (may come back by itself), failed (r retries), closed"},
	{title: "RTT", width: 5, right: true, drop: 2, cell: rttCell,
		help: "round-trip time to the peer, in milliseconds"},
	{title: "↓kbps", width: 6, right: true, drop: 4, cell: recvCell,
		help: "what you receive from the peer, kilobits per second"},
	{title: "↑kbps", width: 6, right: true, drop: 5, cell: sendCell,
		help: "what you send to the peer, kilobits per second"},
	{title: "loss%", width: 5, right: true, drop: 3, cell: lossCell,
		help: "share of the peer's packets lost on the way, in percent"},
	{title: "jit", width: 4, right: true, drop: 7, cell: jitterCell,
		help: "jitter: how unevenly packets arrive, in milliseconds"},
	{title: "fps", width: 3, right: true, drop: 9, cell: fpsCell,
		help: "video frames received per second"},
	{title: "res", width: 9, right: true, drop: 10, cell: resCell,
		help: "resolution of the video received"},
	{title: "route", width: 9, drop: 6, cell: routeCell,
		help: "how packets travel: host direct (LAN), srflx or prflx through a NAT, relay through a TURN server (yellow: slower)"},
	{title: "up", width: 6, right: true, drop: 8, cell: upCell,
		help: "how long the peer has been connected"},
}

// layoutColumns picks the columns that fit in w cells beside a name column
// of at least nameMinWidth (or want, when the names are shorter), and the
// name column's width: no wider than want, the longest name and its
// speaking indicator, so short names do not push the figures away.
func layoutColumns(w, want int) ([]column, int) {
	want = min(max(want, len("name")+2), nameMaxWidth)
	keep := columns
	for drop := 10; drop > 0; drop-- {
		used := gutterWidth + min(nameMinWidth, want)
		for _, c := range keep {
			used += 1 + c.width
		}
		if used <= w {
			break
		}
		var next []column
		for _, c := range keep {
			if c.drop < drop {
				next = append(next, c)
			}
		}
		keep = next
	}
	used := gutterWidth
	for _, c := range keep {
		used += 1 + c.width
	}
	return keep, min(max(w-used, 0), want)
}

// nameWidth is the width the name column wants: the longest name shown
// plus the speaking indicator and its space.
func nameWidth(conns []store.Connection) int {
	widest := 0
	for _, c := range conns {
		widest = max(widest, ansi.StringWidth(peerName(c)))
	}
	return widest + 2
}

// tableLines renders the header row and at most rows peer rows, scrolled
// so the selected peer is visible.
func (m Model) tableLines(w, rows int) []string {
	conns := store.SelectConnections(m.state)
	cols, nameW := layoutColumns(w, nameWidth(conns))
	var head strings.Builder
	head.WriteString(spaces(gutterWidth))
	head.WriteString(styleHeading.Render(fit("name", nameW)))
	for _, c := range cols {
		head.WriteByte(' ')
		t := fit(c.title, c.width)
		if c.right {
			t = fitLeft(c.title, c.width)
		}
		head.WriteString(styleHeading.Render(t))
	}
	lines := []string{clip(head.String(), w)}

	if len(conns) == 0 {
		return append(lines, clip(styleDim.Render("  no one else is here yet"), w))
	}
	shown := rows
	if len(conns) > rows && rows > 1 {
		shown = rows - 1 // the last line says how many are out of view
	}
	first, last := scrollWindow(len(conns), indexOf(conns, m.selected), shown)
	for i := first; i < last; i++ {
		lines = append(lines, m.rowLine(conns[i], cols, nameW, w))
	}
	if last-first < len(conns) {
		more := fmt.Sprintf("  %d more above, %d below (↑/↓)", first, len(conns)-last)
		lines = append(lines, clip(styleDim.Render(more), w))
	}
	return lines
}

// rowLine renders one peer's row.
func (m Model) rowLine(c store.Connection, cols []column, nameW, w int) string {
	var b strings.Builder
	if c.PeerID == m.selected {
		b.WriteString(styleSelected.Render(">") + " ")
	} else {
		b.WriteString("  ")
	}
	b.WriteString(speakingIndicator(c))
	b.WriteByte(' ')
	name := fit(peerName(c), max(nameW-2, 0))
	if c.PeerID == m.selected {
		name = styleSelected.Render(name)
	}
	b.WriteString(name)
	for _, col := range cols {
		text, style := col.cell(m, c)
		if col.right {
			text = fitLeft(text, col.width)
		} else {
			text = fit(text, col.width)
		}
		b.WriteByte(' ')
		b.WriteString(style.Render(text))
	}
	return clip(b.String(), w)
}

// scrollWindow returns the rows [first, last) to show of n so that sel is
// among them, with rows rows at most.
func scrollWindow(n, sel, rows int) (int, int) {
	rows = max(rows, 0)
	if n <= rows {
		return 0, n
	}
	first := min(max(sel-rows/2, 0), n-rows)
	return first, first + rows
}

func indexOf(conns []store.Connection, id string) int {
	for i, c := range conns {
		if c.PeerID == id {
			return i
		}
	}
	return 0
}
