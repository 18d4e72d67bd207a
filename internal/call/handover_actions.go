package call

import (
	"fmt"

	"github.com/rtcterm/rtcterm/store"
)

// emit queues an action of the handover's own.
func (h *handover) emit(a store.Action) {
	if !h.queue.Push(a) {
		h.log.Debug("action dropped: queue full or closed", "action", fmt.Sprintf("%T", a))
	}
}

// owned reports whether peer's row is LiveKit's.
func (h *handover) owned(peer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lkPeers[peer]
}

// fromMesh passes on a mesh action, unless it is about a peer whose row
// LiveKit has taken over: the mesh closing under that peer is no news.
func (h *handover) fromMesh(a store.Action, ph *phase) {
	if m, ok := a.(store.UpdateRemoteMedia); ok {
		// What the peer says it sends, over signaling, which outlives the
		// mesh: carried reads it even once the row is LiveKit's.
		ph.noteMedia(m)
	}
	peer, keyed := peerOf(a)
	if keyed && h.owned(peer) {
		return
	}
	switch a := a.(type) {
	case store.AddPeerConnection:
		ph.meshPeers[a.PeerID] = false
	case store.UpdateConnectionStatus:
		if _, ok := ph.meshPeers[a.PeerID]; ok {
			ph.meshPeers[a.PeerID] = a.Status == store.StatusConnected
		}
	case store.RemovePeerConnection:
		delete(ph.meshPeers, a.PeerID)
	}
	h.emit(a)
}

// fromSFU passes on a LiveKit action. Its signaling and media reports are
// the mesh's already (one signaling connection, one media); a peer it
// reports becomes its row.
func (h *handover) fromSFU(a store.Action, ph *phase) {
	switch a := a.(type) {
	case store.UpdateSignaling:
		if a.Signaling.Status == store.SignalingConnected && ph.connectedAt.IsZero() {
			ph.connectedAt = h.now()
			h.mesh.SFUJoined()
			h.log.Info("livekit room connected", "welcome", ph.welcome)
			if ph.welcome {
				h.emit(store.SwitchedToSFU{SFU: sfuName, People: ph.people})
			}
		}
		return
	case store.InitializeMediaPending, store.InitializeMediaFulfilled, store.InitializeMediaRejected:
		return
	case store.AddPeerConnection:
		h.mu.Lock()
		h.lkPeers[a.PeerID], h.lkPresent[a.PeerID] = true, true
		h.mu.Unlock()
		if _, ok := ph.meshPeers[a.PeerID]; ok {
			return // the row is there: nobody joined, the peer came along
		}
	case store.RemovePeerConnection:
		h.mu.Lock()
		delete(h.lkPresent, a.PeerID)
		h.mu.Unlock()
		delete(ph.meshPeers, a.PeerID)
	case store.UpdateConnectionStatus:
		if a.Status == store.StatusClosed && !ph.meshLeft && ph.meshPeers[a.PeerID] {
			return // LiveKit ending while the mesh still carries this peer
		}
	}
	h.emit(a)
}

// noteMedia keeps what a peer says it sends (its media-state, from the
// mesh session's signaling), for carried. LiveKit's own view is not used:
// it follows the peer's publications, and a browser publishes its
// microphone before its camera, so for a moment it said "no video" and the
// mesh closed under the peer's picture (2 s without it).
func (ph *phase) noteMedia(a store.UpdateRemoteMedia) {
	if ph.media == nil {
		ph.media = map[string]store.UpdateRemoteMedia{}
	}
	ph.media[a.PeerID] = a
}

// peerOf is the peer an engine's action is about, if any.
func peerOf(a store.Action) (string, bool) {
	switch a := a.(type) {
	case store.AddPeerConnection:
		return a.PeerID, true
	case store.UpdateConnectionStatus:
		return a.PeerID, true
	case store.UpdateConnectionStats:
		return a.PeerID, true
	case store.RemovePeerConnection:
		return a.PeerID, true
	case store.AddICECandidate:
		return a.PeerID, true
	case store.ICECandidatesApplied:
		return a.PeerID, true
	case store.SetConnectionError:
		return a.PeerID, a.PeerID != ""
	case store.StorePendingOffer:
		return a.PeerID, true
	case store.TakePendingOffer:
		return a.PeerID, true
	case store.UpdateRemoteMedia:
		return a.PeerID, true
	case store.SetPeerFingerprint:
		return a.PeerID, true
	case store.UpdateRecovery:
		return a.PeerID, true
	}
	return "", false
}
