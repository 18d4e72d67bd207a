package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// renderVideo lays the video view out in m.width × m.height cells: the
// title, the grid (and at large sizes the peer table under it), the
// notification and the footer.
func (m Model) renderVideo() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	g := m.videoGrid()
	rows := make([][]segment, g.h)
	switch {
	case len(m.state.Connections) == 0:
		if g.h > 0 {
			rows[g.h/2] = []segment{{0, w, centre(styleDim.Render("no one else is here yet"), w)}}
		}
	case g.tiles == nil:
		if g.h > 0 {
			rows[0] = []segment{{0, w, fit(styleDim.Render(" the terminal is too small for video (t: stats)"), w)}}
		}
	default:
		for i, l := range g.strip {
			if i < g.h {
				rows[i] = []segment{{0, w, l}}
			}
		}
		for _, t := range g.tiles {
			for dy, l := range m.tileLines(t) {
				if y := t.y + dy; y < g.h {
					rows[y] = append(rows[y], segment{t.x, t.w, l})
				}
			}
		}
	}
	lines := make([]string, 0, h)
	lines = append(lines, m.headerLines(w)[0])
	var b strings.Builder
	for _, segs := range rows {
		b.Reset()
		x := 0
		for _, sg := range segs {
			b.WriteString(spaces(sg.x - x))
			b.WriteString(sg.s)
			x = sg.x + sg.w
		}
		// Every row is written to its last column, so nothing of an
		// earlier, larger picture stays on the screen.
		b.WriteString(spaces(w - x))
		lines = append(lines, b.String())
	}
	if g.tableRows > 0 {
		lines = append(lines, "")
		lines = append(lines, m.tableLines(w, g.tableRows)...)
	}
	for len(lines) < h-2 {
		lines = append(lines, "")
	}
	lines = append(lines, m.noticeLine(w), m.footerLine(w))
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	return strings.Join(lines, "\n")
}

// focusStrip is the line, or two, above an enlarged tile: whose it is,
// everyone else with their quality mark, so no one is hidden, and how to
// get back to the grid.
func (m Model) focusStrip(focus string, w int) []string {
	c := m.state.Connections[focus]
	what := styleBold.Render(peerName(c)) + " enlarged"
	if c.Media.Screen {
		what = styleBold.Render(peerName(c)) + " is sharing their screen"
	}
	parts := []string{what + styleDim.Render(" · also here:")}
	for _, o := range store.SelectConnections(m.state) {
		if o.PeerID == focus {
			continue
		}
		p := peerName(o)
		if q := m.peerQuality(o); q != ungraded {
			p = gradeStyle(q).Render(qualityMark(q)) + " " + p
		} else if o.Status != store.StatusConnected {
			p += styleDim.Render(" (" + string(o.Status) + ")")
		}
		parts = append(parts, p+styleDim.Render(","))
	}
	parts = append(parts, "you", styleDim.Render("· esc: grid"))
	var lines []string
	line := ""
	for _, p := range parts {
		switch {
		case line == "":
			line = " " + p
		case ansi.StringWidth(line)+1+ansi.StringWidth(p) <= w:
			line += " " + p
		default:
			lines = append(lines, line)
			line = "  " + p
		}
	}
	lines = append(lines, line)
	if len(lines) > maxStripLines {
		lines = lines[:maxStripLines]
		lines[maxStripLines-1] = clip(lines[maxStripLines-1]+" …", w)
	}
	for i := range lines {
		lines[i] = fit(lines[i], w)
	}
	return lines
}

// tileLines renders one tile, a peer's or your own: title, picture or
// name card, caption; exactly t.h lines of t.w cells.
func (m Model) tileLines(t tileRect) []string {
	if t.id == LocalPreview {
		return m.selfTileLines(t)
	}
	c := m.state.Connections[t.id]
	out := make([]string, 0, t.h)
	out = append(out, fit(m.tileTitle(c, t.w), t.w))
	pic := t.picture()
	if f, ok := m.frames[t.id]; ok && showsVideo(c) {
		out = append(out, fitFrame(f, pic)...)
	} else {
		out = append(out, nameCard(peerName(c), cardReason(c), pic)...)
	}
	out = append(out, fit(styleDim.Render(" "+statsCaption(c)), t.w))
	return out
}

// selfTileLines renders your own tile: your name, your camera's picture
// or why there is none, and what you send.
func (m Model) selfTileLines(t tileRect) []string {
	s := m.state
	label := " you"
	if n := s.Signaling.UserName; n != "" {
		label = " " + Sanitize(n, MaxNameCells) + " (you)"
	}
	out := make([]string, 0, t.h)
	out = append(out, fit(styleBold.Render(label), t.w))
	pic := t.picture()
	f, ok := m.frames[LocalPreview]
	switch {
	case !s.VideoEnabled:
		out = append(out, nameCard("camera off", "", pic)...)
	case s.ScreenSharing:
		out = append(out, nameCard("sharing screen", "", pic)...)
	case ok:
		out = append(out, fitFrame(f, pic)...)
	default:
		out = append(out, nameCard("no preview", "", pic)...)
	}
	mic, cam := "mic on", "camera on"
	if !s.AudioEnabled {
		mic = "mic muted"
	}
	if !s.VideoEnabled {
		cam = "camera off"
	}
	out = append(out, fit(styleDim.Render(" "+mic+" · "+cam), t.w))
	return out
}

// tileTitle is the tile's first line: name, quality mark, speaking and
// media icons, and the status when not connected.
func (m Model) tileTitle(c store.Connection, w int) string {
	name := peerName(c)
	if c.PeerID == m.selected {
		name = styleSelected.Render(name)
	} else {
		name = styleBold.Render(name)
	}
	// The name comes first: in a narrow tile it is what must not be cut.
	title := " " + name
	if q := m.peerQuality(c); q != ungraded {
		title += " " + gradeStyle(q).Render(qualityMark(q))
	}
	title += " " + speakingIndicator(c)
	if icons, _ := mediaCell(m, c); icons != "" {
		title += " " + icons
	}
	if c.Status != store.StatusConnected {
		title += " " + statusStyle(c.Status).Render(string(c.Status))
	}
	return clip(title, w)
}

// statsCaption is the tile's one-line summary of the connection.
func statsCaption(c store.Connection) string {
	if !measured(c) {
		return "no stats yet"
	}
	s := c.Stats
	parts := []string{"RTT " + fmtInt(s.RTTMillis) + " ms", "loss " + fmtPct(s.LossPct) + "%", "↓" + fmtInt(s.RecvKbps) + " kbps"}
	if s.Width > 0 {
		parts = append(parts, fmtInt(s.FramesPerSecond)+" fps "+fmtResolution(s.Width, s.Height))
	}
	return strings.Join(parts, " · ")
}

// cardReason says why a tile shows a name card instead of video.
func cardReason(c store.Connection) string {
	switch {
	case c.Status != store.StatusConnected:
		return string(c.Status)
	case c.Media.Known && !c.Media.Video:
		return "camera off"
	case c.Media.VideoPaused:
		return "video paused (their link)"
	case c.Stats.VideoCodec != "" && !strings.EqualFold(c.Stats.VideoCodec, "VP8"):
		// Only VP8 is decoded here (LiveKit rooms may carry H.264 and more).
		return Sanitize(c.Stats.VideoCodec, MaxLabelCells) + " video: not drawn here"
	}
	return "waiting for video…"
}

// nameCard fills a picture area with the name and a reason, centred.
func nameCard(name, reason string, sz TileSize) []string {
	out := make([]string, sz.Height)
	blank := spaces(sz.Width)
	for i := range out {
		out[i] = blank
	}
	if sz.Height == 0 {
		return out
	}
	mid := (sz.Height - 1) / 2
	out[mid] = centre(styleBold.Render(name), sz.Width)
	if reason != "" && mid+1 < sz.Height {
		out[mid+1] = centre(styleDim.Render(reason), sz.Width)
	}
	return out
}

// centre pads s (which may hold styles) on both sides to w cells.
func centre(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return fit(s, w)
	}
	left := (w - sw) / 2
	return spaces(left) + s + spaces(w-sw-left)
}

// fitFrame returns exactly sz.Height lines of sz.Width cells from a
// frame drawn for this size (the usual case, returned as is so the
// renderer sees the same lines) or for another one (clipped, or padded
// with blank cells in the default colours, until the next frame arrives
// at the new size), so no cell of the old picture is left behind.
func fitFrame(f VideoFrame, sz TileSize) []string {
	if f.Width == sz.Width && f.Height == sz.Height && len(f.Lines) == sz.Height {
		return f.Lines
	}
	out := make([]string, sz.Height)
	for i := range out {
		if i < len(f.Lines) {
			l := f.Lines[i]
			if f.Width > sz.Width {
				l = ansi.Truncate(l, sz.Width, "")
			}
			out[i] = l + ansi.ResetStyle + spaces(sz.Width-min(f.Width, sz.Width))
		} else {
			out[i] = spaces(sz.Width)
		}
	}
	return out
}
