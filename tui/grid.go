package tui

import (
	"github.com/rtcterm/rtcterm/store"
)

// Table beside the video: at this size and above, the video view shows the
// peer table under the grid, at most tableMaxRows rows of it.
const (
	tableMinWidth  = 120
	tableMinHeight = 40
	tableMaxRows   = 8
	maxStripLines  = 2 // lines naming the others above an enlarged tile
)

// layoutGrid places the tiles of ids in a w×h area so the 4:3 pictures
// they show are as large as possible; nil when not even one fits. Every
// id gets its own cell, so no tile covers another.
func layoutGrid(ids []string, w, h int) []tileRect {
	n := len(ids)
	if n == 0 {
		return nil
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
		return nil
	}
	cols := bestCols
	rows := (n + cols - 1) / cols
	tw, th := (w-(cols-1)*tileGap)/cols, h/rows
	left := (w - (cols*tw + (cols-1)*tileGap)) / 2
	tiles := make([]tileRect, 0, n)
	for i, id := range ids {
		row, col := i/cols, i%cols
		tiles = append(tiles, tileRect{id: id, x: left + col*(tw+tileGap), y: row * th, w: tw, h: th})
	}
	return tiles
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

// videoGrid is the video view's layout for the current size and peers.
type videoGrid struct {
	w, h      int // the grid area
	tiles     []tileRect
	focus     string   // the peer whose tile fills the grid, "" for the grid
	strip     []string // the grid's first lines list the others (focus only)
	tableRows int      // peer table rows under the grid, 0 for no table
}

// videoGrid lays out the grid: every peer and yourself in a cell of their
// own; or, when a peer is focused (f) or shares their screen, that peer
// alone, with the others named on a strip above.
func (m Model) videoGrid() videoGrid {
	w, h := max(m.width, 0), max(m.height-3, 0) // title, notification, footer
	g := videoGrid{w: w}
	peers := store.SelectPeerIDs(m.state)
	if m.width >= tableMinWidth && m.height >= tableMinHeight && len(peers) > 0 {
		g.tableRows = min(len(peers), tableMaxRows)
		h -= 1 + g.tableRows + 1 // blank line, heading, rows
	}
	g.h = max(h, 0)
	g.focus = m.focusedPeer()
	if g.focus != "" {
		g.strip = m.focusStrip(g.focus, w)
		top := len(g.strip)
		if t := layoutGrid([]string{g.focus}, w, g.h-top); t != nil {
			t[0].y += top
			g.tiles = t
			return g
		}
		g.focus, g.strip = "", nil
	}
	ids := peers
	if m.selfShown() {
		ids = append(ids[:len(ids):len(ids)], LocalPreview)
	}
	g.tiles = layoutGrid(ids, w, g.h)
	if g.tiles == nil && len(ids) > len(peers) {
		// No room for everyone: the peers keep their cells, you lose yours.
		g.tiles = layoutGrid(peers, w, g.h)
	}
	return g
}

// selfShown reports whether the grid has a tile for your own picture:
// whenever someone else is there to share the grid with.
func (m Model) selfShown() bool { return len(m.state.Connections) > 0 }

// focusedPeer is the peer whose tile fills the grid: the selected one
// after f, else the first peer sharing their screen unless Esc asked for
// the grid; "" for the grid.
func (m Model) focusedPeer() string {
	if m.focused {
		if _, ok := m.state.Connections[m.selected]; ok {
			return m.selected
		}
	}
	if m.gridOnly {
		return ""
	}
	return m.sharer()
}

// sharer is the first peer, in PeerOrder, that says it shares its screen.
func (m Model) sharer() string {
	for _, c := range store.SelectConnections(m.state) {
		if c.Media.Screen && c.Status == store.StatusConnected {
			return c.PeerID
		}
	}
	return ""
}

// anyoneSharing reports whether a connected peer shares its screen.
func anyoneSharing(s store.State) bool {
	for _, c := range s.Connections {
		if c.Media.Screen && c.Status == store.StatusConnected {
			return true
		}
	}
	return false
}

// wantedTiles are the tiles the video source should draw now: none in the
// stats view or the help panel.
func (m Model) wantedTiles() map[string]TileSize {
	tiles := map[string]TileSize{}
	if !m.videoView || m.showHelp || m.opts.Video == nil || m.width < minWidth || m.height < minHeight {
		return tiles
	}
	for _, t := range m.videoGrid().tiles {
		if t.id == LocalPreview {
			if m.state.VideoEnabled && !m.state.ScreenSharing {
				tiles[LocalPreview] = t.picture()
			}
			continue
		}
		if c, ok := m.state.Connections[t.id]; ok && showsVideo(c) {
			tiles[t.id] = t.picture()
		}
	}
	return tiles
}
