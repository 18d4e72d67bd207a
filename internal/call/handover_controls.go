package call

import (
	"context"
	"errors"
	"time"

	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// sfu returns the LiveKit engine while one runs.
func (h *handover) sfu() *lkengine.Engine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lk
}

// SetAudio implements tui.Engine for both engines: the mesh keeps the
// server's media-state current, LiveKit mutes the publication.
func (h *handover) SetAudio(on bool) error {
	h.mu.Lock()
	h.audioOn = on
	h.mu.Unlock()
	err := h.mesh.SetAudio(on)
	if lk := h.sfu(); lk != nil {
		if lerr := lk.SetAudio(on); lerr != nil && !errors.Is(lerr, lkengine.ErrClosed) {
			return lerr
		}
	}
	return err
}

// SetVideo implements tui.Engine, as SetAudio.
func (h *handover) SetVideo(on bool) error {
	h.mu.Lock()
	h.videoOn = on
	h.mu.Unlock()
	err := h.mesh.SetVideo(on)
	if lk := h.sfu(); lk != nil {
		if lerr := lk.SetVideo(on); lerr != nil && !errors.Is(lerr, lkengine.ErrClosed) {
			return lerr
		}
	}
	return err
}

// SetScreenShare implements tui.Engine: the engine that carries the media
// switches the video source.
func (h *handover) SetScreenShare(on bool) error {
	if lk := h.sfu(); lk != nil {
		return lk.SetScreenShare(on)
	}
	return h.mesh.SetScreenShare(on)
}

// SetLowBandwidth implements tui.LowBandwidthEngine (the mesh's mode).
func (h *handover) SetLowBandwidth(on bool) error { return h.mesh.SetLowBandwidth(on) }

// Retry implements tui.Engine: the engine that has the peer's row.
func (h *handover) Retry(peerID string) error {
	if lk := h.sfu(); lk != nil && peerID != "" && h.owned(peerID) {
		return lk.Retry(peerID)
	}
	return h.mesh.Retry(peerID)
}

// CollectStats implements tui.Engine: once a peer's row is LiveKit's, its
// stats are those of our link to the SFU for that peer's media.
func (h *handover) CollectStats(ctx context.Context, peerID string) (store.Stats, error) {
	if lk := h.sfu(); lk != nil && h.owned(peerID) {
		return lk.CollectStats(ctx, peerID)
	}
	return h.mesh.CollectStats(ctx, peerID)
}

// SendChat implements tui.Engine: chat is signaling's, on both.
func (h *handover) SendChat(text string) error { return h.mesh.SendChat(text) }

// Leave implements tui.Engine.
func (h *handover) Leave() error { return h.Close() }

// RequestKeyFrame asks for a key frame from whichever engine feeds the
// video decoder for peerID.
func (h *handover) RequestKeyFrame(peerID string) {
	if lk := h.sfu(); lk != nil && h.video.moved(peerID) {
		lk.RequestKeyFrame(peerID)
		return
	}
	h.mesh.RequestKeyFrame(peerID)
}

// SetTiles tells LiveKit which video is drawn (the mesh sends all).
func (h *handover) SetTiles(tiles map[string]lkengine.TileSize) {
	h.mu.Lock()
	h.tiles, h.hasTiles = tiles, true
	lk := h.lk
	h.mu.Unlock()
	if lk != nil {
		lk.SetTiles(tiles)
	}
}

// Close implements Engine: Run returns after releasing everything.
func (h *handover) Close() error {
	h.mu.Lock()
	h.closed = true
	cancel, started := h.cancel, h.started
	h.mu.Unlock()
	if !started {
		return h.mesh.Close()
	}
	cancel()
	select {
	case <-h.done:
		return nil
	case <-time.After(handoverCloseTimeout):
		h.log.Error("call close timed out", "after", handoverCloseTimeout)
		return rtc.ErrCloseTimeout
	}
}

var (
	_ Engine                 = (*handover)(nil)
	_ tui.LowBandwidthEngine = (*handover)(nil)
)
