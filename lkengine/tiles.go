package lkengine

import (
	"maps"

	lksdk "github.com/livekit/server-sdk-go/v2"
)

// TileSize is a video tile in terminal cells (tui.TileSize's shape).
type TileSize struct{ Width, Height int }

// trackSetting is what we last asked the SFU to send of one video track.
type trackSetting struct {
	enabled       bool
	width, height int
}

// SetTiles says whose video is drawn and how large, so the SFU sends
// only that: the video of participants without a tile is disabled (their
// audio goes on), and for the others it is asked for at about the tile's
// size in pixels (a half-block cell is one pixel wide and two high), which
// picks the simulcast layer when the publisher sends several. Until the
// first call every video is received. Safe from any goroutine.
func (e *Engine) SetTiles(tiles map[string]TileSize) {
	t := maps.Clone(tiles)
	if t == nil {
		t = map[string]TileSize{}
	}
	e.mu.Lock()
	e.tiles = t
	e.mu.Unlock()
	e.markAll()
}

// applyTiles brings one participant's video subscriptions in line with
// the tiles; settings already sent are not sent again.
func (e *Engine) applyTiles(id string, rp *lksdk.RemoteParticipant) {
	e.mu.Lock()
	if e.tiles == nil {
		e.mu.Unlock()
		return
	}
	tile, drawn := e.tiles[id]
	e.mu.Unlock()
	want := trackSetting{enabled: drawn}
	if drawn {
		want.width, want.height = tile.Width, 2*tile.Height
	}
	for _, pub := range rp.TrackPublications() {
		rpub, ok := pub.(*lksdk.RemoteTrackPublication)
		if !ok || rpub.Kind() != lksdk.TrackKindVideo {
			continue
		}
		sid := rpub.SID()
		e.mu.Lock()
		if e.applied[id] == nil {
			e.applied[id] = map[string]trackSetting{}
		}
		prev, had := e.applied[id][sid]
		e.applied[id][sid] = want
		e.mu.Unlock()
		if had && prev == want {
			continue
		}
		if drawn && want.width > 0 && want.height > 0 {
			rpub.SetVideoDimensions(uint32(want.width), uint32(want.height))
		}
		rpub.SetEnabled(drawn)
	}
}
