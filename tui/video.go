package tui

import (
	"maps"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// VideoSource draws the peers' video off the Update path (videoview.Sink
// behind a small adapter). The UI tells it the tiles it shows, from a
// command; Run forwards the frames it draws as VideoUpdate messages.
type VideoSource interface {
	// SetTiles says which peers' pictures are shown, and in how many
	// cells; LocalPreview is the key of the local camera. Peers without a
	// tile are not drawn.
	SetTiles(tiles map[string]TileSize)
	// Ready receives a value when frames are waiting to be taken.
	Ready() <-chan struct{}
	// Take returns the newest frame of every peer drawn since the last
	// Take; frames drawn in between are skipped, never queued.
	Take() []VideoFrame
}

// LocalPreview is the tile key of the local camera preview (peer ids are
// never empty).
const LocalPreview = ""

// TileSize is the picture area of a tile in cells.
type TileSize struct{ Width, Height int }

// VideoFrame is one peer's picture, ready to print: Height lines of Width
// cells each.
type VideoFrame struct {
	PeerID        string
	Width, Height int
	Lines         []string
}

// VideoUpdate carries newly drawn frames to the UI; Run sends it.
type VideoUpdate struct{ Frames []VideoFrame }

// Tile decoration: a title line above the picture and a caption below.
const (
	tileChrome    = 2
	tileGap       = 1 // columns between tiles
	minTileWidth  = 12
	minTileHeight = tileChrome + 2
)

// tileRect is one tile on the screen: x, y relative to the grid's corner.
type tileRect struct {
	id         string
	x, y, w, h int
}

// picture is the tile's picture area.
func (t tileRect) picture() TileSize { return TileSize{Width: t.w, Height: t.h - tileChrome} }

// layoutGrid places n tiles in a w×h area so the 4:3 pictures they show
// are as large as possible; nil when not even one fits. When the last row
// has room left, it is left-aligned and free is the empty slot at its
// end, where the local preview goes.
func layoutGrid(ids []string, w, h int) (tiles []tileRect, free tileRect, hasFree bool) {
	n := len(ids)
	if n == 0 {
		return nil, tileRect{}, false
	}
	bestCols, bestArea := 0, -1
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		tw, th := (w-(cols-1)*tileGap)/cols, h/rows
		if tw < minTileWidth || th < minTileHeight {
			continue
		}
		pw, ph := fit43(tw, th-tileChrome)
		if area := pw * ph; area > bestArea {
			bestCols, bestArea = cols, area
		}
	}
	if bestCols == 0 {
		return nil, tileRect{}, false
	}
	cols := bestCols
	rows := (n + cols - 1) / cols
	tw, th := (w-(cols-1)*tileGap)/cols, h/rows
	left := (w - (cols*tw + (cols-1)*tileGap)) / 2
	tiles = make([]tileRect, 0, n)
	for i, id := range ids {
		row, col := i/cols, i%cols
		tiles = append(tiles, tileRect{id: id, x: left + col*(tw+tileGap), y: row * th, w: tw, h: th})
	}
	if n%cols != 0 {
		free = tileRect{id: LocalPreview, x: left + (cols-1)*(tw+tileGap), y: (rows - 1) * th, w: tw, h: th}
		hasFree = true
	}
	return tiles, free, hasFree
}

// fit43 is the size in half-block pixels of a 4:3 picture fitted into
// cols×rows cells.
func fit43(cols, rows int) (int, int) {
	w, h := cols, cols*3/4
	if h > 2*rows {
		w, h = 2*rows*4/3, 2*rows
	}
	return w, h
}

// previewRect is the local preview over the grid's bottom-right corner,
// or false when the grid is too small for one.
func previewRect(w, h int) (tileRect, bool) {
	pw := min(max(w/4, 16), 40)
	ph := pw*3/8 + 1 // a 4:3 picture in half blocks, plus the label
	if w < 48 || h < 2*ph {
		return tileRect{}, false
	}
	return tileRect{id: LocalPreview, x: w - pw, y: h - ph, w: pw, h: ph}, true
}

// videoGrid is the video view's layout for the current size and peers.
type videoGrid struct {
	w, h    int // the grid area
	tiles   []tileRect
	preview tileRect
	hasPrev bool
}

func (m Model) videoGrid() videoGrid {
	w, h := m.width, m.height-3 // title, notification and help lines
	g := videoGrid{w: max(w, 0), h: max(h, 0)}
	var free tileRect
	var hasFree bool
	g.tiles, free, hasFree = layoutGrid(store.SelectPeerIDs(m.state), g.w, g.h)
	if hasFree {
		// An empty slot in the last row: the preview fills it (caption
		// line included), without covering anyone.
		g.preview, g.hasPrev = free, true
		return g
	}
	g.preview, g.hasPrev = previewRect(g.w, g.h)
	return g
}

// showsVideo reports whether a peer's tile shows its picture rather than
// a name card: connected, camera not known to be off.
func showsVideo(c store.Connection) bool {
	return c.Status == store.StatusConnected && (!c.Media.Known || c.Media.Video)
}

// wantedTiles are the tiles the video source should draw now: none in the
// stats view.
func (m Model) wantedTiles() map[string]TileSize {
	tiles := map[string]TileSize{}
	if !m.videoView || m.opts.Video == nil {
		return tiles
	}
	g := m.videoGrid()
	for _, t := range g.tiles {
		if c, ok := m.state.Connections[t.id]; ok && showsVideo(c) {
			tiles[t.id] = t.picture()
		}
	}
	if g.hasPrev && m.state.VideoEnabled && !m.state.ScreenSharing {
		tiles[LocalPreview] = TileSize{Width: g.preview.w, Height: g.preview.h - 1}
	}
	return tiles
}

// syncTiles returns a command telling the video source about a changed
// layout, nil when nothing changed.
func (m Model) syncTiles() (Model, tea.Cmd) {
	if m.opts.Video == nil {
		return m, nil
	}
	want := m.wantedTiles()
	if maps.Equal(want, m.sentTiles) {
		return m, nil
	}
	m.sentTiles = want
	src := m.opts.Video
	return m, func() tea.Msg {
		src.SetTiles(want)
		return nil
	}
}

// applyVideo keeps the newest frame of every peer still in the call.
func (m Model) applyVideo(u VideoUpdate) Model {
	if len(u.Frames) == 0 {
		return m
	}
	frames := maps.Clone(m.frames)
	if frames == nil {
		frames = map[string]VideoFrame{}
	}
	for _, f := range u.Frames {
		if _, ok := m.state.Connections[f.PeerID]; ok || f.PeerID == LocalPreview {
			frames[f.PeerID] = f
		}
	}
	m.frames = frames
	return m
}

// forgetFrame drops a peer's frame, so a camera turned off or a peer that
// left never shows a frozen picture.
func (m Model) forgetFrame(id string) Model {
	m.frames = without(m.frames, id)
	return m
}

// segment is a piece of a grid line whose width is known: tiles and the
// preview are built to exact widths, so composing the screen never
// measures the long, colour-laden picture lines.
type segment struct {
	x, w int
	s    string
}

// renderVideo lays the video view out in m.width × m.height cells.
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
		for _, t := range g.tiles {
			for dy, l := range m.tileLines(t) {
				if y := t.y + dy; y < g.h {
					rows[y] = append(rows[y], segment{t.x, t.w, l})
				}
			}
		}
	}
	if g.hasPrev {
		m.drawPreview(rows, g)
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
		lines = append(lines, b.String())
	}
	lines = append(lines, m.noticeLine(w), clip(" "+m.help.ShortHelpView(m.keys.ShortHelp()), w))
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	return strings.Join(lines, "\n")
}

// tileLines renders one peer's tile: title, picture or name card, caption;
// exactly t.h lines of t.w cells.
func (m Model) tileLines(t tileRect) []string {
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

// tileTitle is the tile's first line: status mark, name, speaking and
// media icons.
func (m Model) tileTitle(c store.Connection, w int) string {
	mark := statusStyle(c.Status).Render("●")
	name := peerName(c)
	if c.PeerID == m.selected {
		name = styleSelected.Render(name)
	} else {
		name = styleBold.Render(name)
	}
	icons, _ := mediaCell(m, c)
	title := " " + mark + " " + name + " " + speakingIndicator(c)
	if icons != "" {
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
// renderer sees the same lines) or for another one (padded or clipped
// until the next frame arrives at the new size).
func fitFrame(f VideoFrame, sz TileSize) []string {
	if f.Width == sz.Width && f.Height == sz.Height && len(f.Lines) == sz.Height {
		return f.Lines
	}
	out := make([]string, sz.Height)
	for i := range out {
		if i < len(f.Lines) {
			l := f.Lines[i]
			if f.Width > sz.Width {
				l = ansi.Truncate(l, sz.Width, "") + ansi.ResetStyle
			}
			out[i] = l + spaces(sz.Width-min(f.Width, sz.Width))
		} else {
			out[i] = spaces(sz.Width)
		}
	}
	return out
}

// drawPreview overlays the local preview on the grid's bottom-right
// corner: a label line, then the picture or a card. Tile lines under it
// are cut one column short of it.
func (m Model) drawPreview(rows [][]segment, g videoGrid) {
	p := g.preview
	sz := TileSize{Width: p.w, Height: p.h - 1}
	label := " you"
	if n := m.state.Signaling.UserName; n != "" {
		label = " " + Sanitize(n, MaxNameCells) + " (you)"
	}
	box := []string{styleTitle.Render(fit(label, p.w))}
	f, ok := m.frames[LocalPreview]
	switch {
	case !m.state.VideoEnabled:
		box = append(box, nameCard("camera off", "", sz)...)
	case m.state.ScreenSharing:
		box = append(box, nameCard("sharing screen", "", sz)...)
	case ok:
		box = append(box, fitFrame(f, sz)...)
	default:
		box = append(box, nameCard("no preview", "", sz)...)
	}
	limit := p.x - 1 // one column of space before the preview
	for i, l := range box {
		y := p.y + i
		if y < 0 || y >= len(rows) {
			continue
		}
		var kept []segment
		for _, sg := range rows[y] {
			switch {
			case sg.x+sg.w <= limit:
				kept = append(kept, sg)
			case sg.x < limit:
				cw := limit - sg.x
				kept = append(kept, segment{sg.x, cw, ansi.Truncate(sg.s, cw, "") + ansi.ResetStyle})
			}
		}
		rows[y] = append(kept, segment{p.x, p.w, l})
	}
}
