package call

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
)

// startSFU joins the LiveKit room of mv with the shared media and returns
// its actions.
func (h *handover) startSFU(ctx context.Context, mv rtc.SFUMove, ph *phase, lkErr chan<- error) <-chan store.Action {
	lcfg := lkengine.Config{
		URL: mv.URL, Room: mv.Room, Identity: mv.SelfID, Token: mv.Token,
		VideoWidth: h.cfg.Media.Width, VideoHeight: h.cfg.Media.Height,
		OpenMedia: func(ctx context.Context) (lkengine.LocalMedia, error) {
			m, err := h.media.get(ctx)
			if err != nil {
				return nil, err
			}
			return keptMedia{m}, nil
		},
		Logger:         h.log,
		ConnectTimeout: sfuJoinTimeout,
	}
	if h.audio.sink != nil {
		lcfg.Audio = audioSide{sfuSide{h.audio}, h.levels}
	}
	if h.video.sink != nil {
		lcfg.Video = sfuSide{h.video}
	}
	lk := lkengine.New(lcfg)
	h.mu.Lock()
	if !h.audioOn {
		_ = lk.SetAudio(false)
	}
	if !h.videoOn {
		_ = lk.SetVideo(false)
	}
	if h.hasTiles {
		lk.SetTiles(h.tiles)
	}
	h.lk = lk
	h.mu.Unlock()
	*ph = phase{sfu: true, welcome: mv.Welcome, people: mv.People, meshLeft: mv.Welcome, meshPeers: ph.meshPeers, media: ph.media, asked: map[string]time.Time{},
		move: mv, joins: ph.joins}
	h.log.Info("moving to livekit", "url", mv.URL, "room", mv.Room, "reason", mv.Reason, "welcome", mv.Welcome)
	go func() { lkErr <- lk.Run(ctx) }()
	return lk.Actions()
}

// sfuEnded handles the LiveKit engine's end. While the call goes on that
// is a failure: before the mesh closed, the call stays on the mesh.
func (h *handover) sfuEnded(ctx context.Context, err error, ph *phase) {
	if ctx.Err() != nil {
		return
	}
	why := "the room ended"
	if err != nil {
		why = err.Error()
	}
	h.log.Warn("livekit engine ended", "err", err, "mesh_left", ph.meshLeft)
	if ph.meshLeft {
		h.emit(store.SetConnectionError{Error: "LiveKit: " + why})
		return
	}
	h.mu.Lock()
	h.lk = nil
	h.lkPeers, h.lkPresent, h.heard = map[string]bool{}, map[string]bool{}, map[string]bool{}
	h.mu.Unlock()
	h.audio.reset()
	h.video.reset()
	h.mesh.ResumeMesh()
	ph.sfu = false
	for id, up := range ph.meshPeers {
		if up {
			h.emit(store.UpdateConnectionStatus{PeerID: id, Status: store.StatusConnected, At: h.now()})
		}
	}
	msg := "staying on the mesh: LiveKit failed: " + why
	// A refused token stays refused; anything else may pass (a slow or
	// restarting LiveKit).
	if ph.joins < sfuJoinRetries && !errors.Is(err, lkengine.ErrUnauthorized) {
		wait := sfuRetryWait(ph.joins)
		ph.joins++
		ph.retryAt = h.now().Add(wait)
		msg += fmt.Sprintf("; retrying in %v", wait)
	}
	h.emit(store.ServerNotice{Level: "warn", Message: msg})
}

// sfuRetryWait is the wait before the join after n failed ones.
func sfuRetryWait(n int) time.Duration {
	return min(sfuRetryFirst<<n, sfuRetryMax)
}

// check tells each peer once LiveKit carries its media to us, and closes
// the mesh once LiveKit carries every peer's media and every peer the
// mesh connects has said the same of ours (and a little longer), or at
// the deadline.
func (h *handover) check(ph *phase) {
	if !ph.sfu || ph.connectedAt.IsZero() {
		return
	}
	now := h.now()
	h.askKeyFrames(ph, now)
	h.tell(ph)
	if ph.meshLeft {
		return
	}
	all := true
	coming := true       // every peer waited for is in the LiveKit room: its media is on its way
	var waiting []string // what the mesh waits for, for the log at the deadline
	for id, up := range ph.meshPeers {
		carried := h.carried(id, ph)
		switch {
		case up && !carried:
			all = false
			coming = coming && h.present(id)
			waiting = append(waiting, id+": its media through LiveKit")
		case up && !h.receivesUs(id):
			// The peer still plays our media from the mesh: closing now
			// would cut it until its LiveKit subscription of us takes
			// over (2.6–4 s of a browser's audio under load).
			all = false
			coming = coming && h.present(id)
			waiting = append(waiting, id+": its word that it gets ours")
		case !up && !h.present(id):
			// A row the mesh never connected (a joiner's connection that
			// the move caught half built): leaving the mesh before LiveKit
			// has reported the peer would remove its row for a moment.
			all = false
			coming = false
			waiting = append(waiting, id+": its arrival on LiveKit")
		}
	}
	switch {
	case !all:
		ph.allAt = time.Time{}
	case ph.allAt.IsZero():
		ph.allAt = now
	case now.Sub(ph.allAt) >= meshLinger:
		h.leaveMesh(ph, "every peer's media comes through LiveKit, both ways")
		return
	}
	deadline := meshDeadline
	if coming {
		// A starved member (a page under load took 13 s to publish) is
		// waited for longer than one that is not on LiveKit at all.
		deadline = meshDeadlineComing
	}
	if now.Sub(ph.connectedAt) >= deadline {
		slices.Sort(waiting)
		h.leaveMesh(ph, "deadline: still waiting for "+strings.Join(waiting, ", "))
	}
}

// tell sends each mesh peer, once, our word that LiveKit carries its media
// to us (sfu-receiving). Also when our end of the link is not up, and
// after our mesh has closed: the peer's end may be up, and the peer waits
// for this word to close it.
func (h *handover) tell(ph *phase) {
	if ph.welcome {
		return // never on a mesh with anyone
	}
	if ph.told == nil {
		ph.told = map[string]bool{}
	}
	for id := range ph.meshPeers {
		if !ph.told[id] && h.carried(id, ph) {
			h.mesh.SFUReceiving(id)
			ph.told[id] = true
		}
	}
}

// receivesUs reports whether peer said it gets our media through LiveKit.
func (h *handover) receivesUs(peer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.heard[peer]
}

// heardReceiving notes a peer's sfu-receiving (from the mesh session's loop).
func (h *handover) heardReceiving(peer string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.heard) < maxHeard {
		h.heard[peer] = true
	}
}

// present reports whether LiveKit has reported peer in the room.
func (h *handover) present(peer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lkPresent[peer]
}

// carried reports whether LiveKit carries what the mesh still plays of
// peer: its audio and its video, each once LiveKit's stream of it has
// taken over, unless none of that kind is to be had — nobody receives
// it, the peer said it is off (a muted peer sends no audio), or, for
// video, the peer has no tile (LiveKit sends only drawn video). Closing
// the mesh on audio alone froze a peer's picture until LiveKit's first
// key frame of it, seconds later for a browser's simulcast.
func (h *handover) carried(peer string, ph *phase) bool {
	m, known := ph.media[peer]
	audio := h.audio.sink == nil || h.audio.moved(peer) || known && !m.Audio
	video := h.video.sink == nil || h.video.moved(peer) || known && (!m.Video && !m.Screen || m.VideoPaused) || !h.drawn(peer)
	return audio && video
}

// drawn reports whether peer's video has a tile (all have, until the UI
// says which it draws).
func (h *handover) drawn(peer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.hasTiles {
		return true
	}
	_, ok := h.tiles[peer]
	return ok
}

// askKeyFrames asks LiveKit for a key frame of every peer whose video has
// not taken over there: LiveKit's stream can only take over at one, and a
// subscription may start, or resume, without one. Asked while the mesh
// still carries the peer, the take-over overlaps; once the mesh has gone
// quiet (the peer closed its side first) it is asked more often.
func (h *handover) askKeyFrames(ph *phase, now time.Time) {
	h.mu.Lock()
	lk := h.lk
	var ids []string
	for id := range h.lkPresent {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	if lk == nil || h.video.sink == nil {
		return
	}
	for _, id := range ids {
		if h.video.moved(id) {
			continue
		}
		every := keyFrameEvery
		if now.Sub(h.video.meshQuietSince(id)) >= keyFrameUrgent {
			every = keyFrameUrgent
		}
		if now.Sub(ph.asked[id]) < every {
			continue
		}
		ph.asked[id] = now
		lk.RequestKeyFrame(id)
	}
}

// leaveMesh closes the mesh's peer connections; signaling stays.
func (h *handover) leaveMesh(ph *phase, why string) {
	ph.meshLeft = true
	h.mesh.LeaveMesh()
	h.mu.Lock()
	people := len(h.lkPresent) + 1
	h.mu.Unlock()
	h.log.Info("mesh closed: the call is on livekit", "why", why, "people", people)
	h.emit(store.SwitchedToSFU{SFU: sfuName, People: people})
}
