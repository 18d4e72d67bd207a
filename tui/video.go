package tui

import (
	"maps"

	tea "charm.land/bubbletea/v2"

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

// showsVideo reports whether a peer's tile shows its picture rather than
// a name card: connected, camera not known to be off.
func showsVideo(c store.Connection) bool {
	return c.Status == store.StatusConnected && (!c.Media.Known || c.Media.Video)
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
