package lkengine

import (
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// reconcileDirty brings the store in line with the SDK's view of every
// participant marked since the last call.
func (e *Engine) reconcileDirty() {
	e.dirtyMu.Lock()
	ids := e.dirty
	e.dirty = map[string]struct{}{}
	e.dirtyMu.Unlock()
	room := e.roomNow()
	if room == nil {
		return
	}
	for id := range ids {
		e.reconcile(id, room.GetParticipantByIdentity(id))
	}
}

// reconcile tells the store what changed about one participant: joined,
// left, media switches (publication mute state), status. rp is nil when
// the participant is no longer in the room.
func (e *Engine) reconcile(id string, rp *lksdk.RemoteParticipant) {
	at := e.now()
	if rp == nil {
		e.mu.Lock()
		p := e.peers[id]
		delete(e.peers, id)
		delete(e.quality, id)
		delete(e.subFail, id)
		delete(e.baseline, id)
		delete(e.applied, id)
		e.mu.Unlock()
		if p != nil {
			e.emit(store.RemovePeerConnection{PeerID: id})
			e.removeFromSinks(id)
		}
		return
	}
	// Read the SDK before taking e.mu: SDK callbacks take e.mu and may
	// run under the SDK's own locks.
	f := factsOf(rp)
	e.mu.Lock()
	p := e.peers[id]
	if p == nil {
		p = &peerMirror{status: store.StatusConnecting}
		e.peers[id] = p
		e.emit(store.AddPeerConnection{PeerID: id, UserID: f.sid, UserName: sanitizeName(f.name, id), At: at})
	}
	if f.media != p.media {
		p.media = f.media
		e.emit(store.UpdateRemoteMedia{PeerID: id, Audio: f.media.Audio, Video: f.media.Video, Screen: f.media.Screen})
	}
	if st := statusOf(f, p.status, e.reconnecting.Load()); st != p.status {
		p.status = st
		e.emit(store.UpdateConnectionStatus{PeerID: id, Status: st, At: at})
	}
	if fail := e.subFail[id]; fail != p.errSet {
		p.errSet = fail
		msg := ""
		if fail {
			msg = "LiveKit could not subscribe to a track of this participant"
		}
		e.emit(store.SetConnectionError{PeerID: id, Error: msg})
	}
	pli := e.chooseVideoLocked(id)
	e.mu.Unlock()
	e.applyTiles(id, rp)
	if pli != 0 {
		rp.WritePLI(pli) // the sink starts decoding a new stream
	}
}

// facts is what reconcile reads of a participant from the SDK.
type facts struct {
	sid, name  string
	media      store.MediaState
	pubs       int
	subscribed bool // at least one of its tracks reaches us
}

func factsOf(rp *lksdk.RemoteParticipant) facts {
	f := facts{sid: rp.SID(), name: rp.Name(), media: mediaOf(rp)}
	for _, pub := range rp.TrackPublications() {
		f.pubs++
		if subscribed(pub) {
			f.subscribed = true
		}
	}
	return f
}

// mediaOf is what a participant sends: published, unmuted tracks by source.
func mediaOf(rp *lksdk.RemoteParticipant) store.MediaState {
	ms := store.MediaState{Known: true}
	for _, pub := range rp.TrackPublications() {
		if pub.IsMuted() {
			continue
		}
		switch pub.Source() {
		case livekit.TrackSource_MICROPHONE:
			ms.Audio = true
		case livekit.TrackSource_CAMERA:
			ms.Video = true
		case livekit.TrackSource_SCREEN_SHARE:
			ms.Screen = true
		case livekit.TrackSource_UNKNOWN:
			// Clients that set no source: go by kind.
			if pub.Kind() == lksdk.TrackKindAudio {
				ms.Audio = true
			} else {
				ms.Video = true
			}
		}
	}
	return ms
}

// statusOf maps the SFU's view to the peer lifecycle: connected once
// something of theirs is subscribed (or they publish nothing), so their
// media reaches us; disconnected while our own connection to the SFU
// resumes. cur is the status the store has, so only legal moves are made.
func statusOf(f facts, cur store.Status, reconnecting bool) store.Status {
	switch {
	case reconnecting:
		if cur == store.StatusConnected {
			return store.StatusDisconnected
		}
		return cur
	case f.pubs == 0 || f.subscribed:
		return store.StatusConnected
	case cur == store.StatusDisconnected:
		return store.StatusConnected // back after our resume; tracks follow
	}
	return cur // connecting until a track arrives; connected stays
}

// chooseVideoLocked picks which of a participant's subscribed VP8 tracks
// feeds the video sink (one per peer): the screen share over the camera.
// It returns the SSRC to ask a key frame of when the choice changed.
// Caller holds e.mu.
func (e *Engine) chooseVideoLocked(id string) webrtc.SSRC {
	var best *recvTrack
	for _, t := range e.tracks {
		if t.peerID != id || t.kind != webrtc.RTPCodecTypeVideo || !t.vp8 {
			continue
		}
		if best == nil || (t.source == livekit.TrackSource_SCREEN_SHARE && best.source != livekit.TrackSource_SCREEN_SHARE) {
			best = t
		}
	}
	var pli webrtc.SSRC
	for _, t := range e.tracks {
		if t.peerID != id || t.kind != webrtc.RTPCodecTypeVideo {
			continue
		}
		on := t == best
		if on && !t.forward.Load() {
			pli = t.ssrc
		}
		t.forward.Store(on)
	}
	return pli
}

// subscribed reports whether a remote track reaches us. The SDK's
// IsSubscribed reads the track without its lock (a data race with the
// subscription), so this asks TrackRemote, which takes it.
func subscribed(pub lksdk.TrackPublication) bool {
	rpub, ok := pub.(*lksdk.RemoteTrackPublication)
	return ok && rpub.TrackRemote() != nil
}
