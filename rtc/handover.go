package rtc

import (
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// SFUMove is the server's word that this member's room is on an SFU
// (protocol v1.1): where to connect, with our own token, and whether it
// came with the welcome (the room was there already: the session never
// negotiated a mesh) or as an sfu-switch (the mesh carries media until the
// caller has the SFU's and calls LeaveMesh).
type SFUMove struct {
	signal.SFU
	SelfID  string // our peer id: the SFU identity in the token
	Welcome bool   // from the welcome, not an sfu-switch
	People  int    // members of the room as the session knows them, us included
}

// sfuMove handles an sfu-switch. Without Config.OnSFU the session is a v1
// client: it ignores the message and stays on the mesh.
func (s *Session) sfuMove(m *signal.SFUSwitch) {
	if s.cfg.OnSFU == nil || s.meshLeft() {
		return
	}
	s.freezeMesh()
	s.cfg.OnSFU(SFUMove{SFU: m.SFU, SelfID: s.selfPeerID(), People: len(s.peerIDs()) + 1})
}

// freezeMesh keeps every mesh connection and starts no new negotiation
// (protocol v1.1: a member told to switch stops answering and sending
// offers). A connection still being set up is kept too: its offer and
// answer may be through, and the other side may already have it up and
// send on it. Dropping it at our end cut a joiner's first second of media
// on the other (1.6 s of audio once in 5 runs) until the SFU took over.
// What cannot complete without negotiation simply waits, and LeaveMesh
// closes it with the rest.
func (s *Session) freezeMesh() {
	s.mu.Lock()
	s.frozen = true
	m := s.media
	s.mu.Unlock()
	// The encoder now feeds the SFU too: the mesh's congestion control,
	// which may have paused or slowed it for one mesh link, lets go.
	fullRate(m)
	now := s.now()
	for _, id := range s.peerIDs() {
		p := s.peerByID(id)
		if p == nil {
			continue
		}
		// Nor does it hold a link's video back: the adaptation stops
		// deciding during the move, so a link it had paused would show
		// the peer no video of us until the SFU's took over (5–13 s on a
		// loaded machine). The high layer, encoded at its full rate for
		// the SFU anyway, goes there instead.
		if pv := p.video.Load(); pv != nil {
			if _, want := pv.sending(); want == noLayer {
				pv.setLayer(mediacodec.LayerHigh, now)
			}
		}
		// A planned ICE restart would need a negotiation the move has
		// stopped; the SFU takes the peer over instead.
		if p.restartTimer != nil && !p.up.Load() {
			p.restartTimer.Stop()
			p.restartTimer = nil
		}
	}
}

// meshFrozen reports whether the mesh negotiates no more.
func (s *Session) meshFrozen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frozen || s.noMesh
}

// ResumeMesh undoes the freeze of an sfu-switch whose SFU could not be
// joined: the mesh negotiates again. A connection that did not come up
// during the move is started afresh: it is dropped and the peer asked to
// offer, as it asks us. (Restarting it in place stalled: an offer sent
// while the peer was still frozen is ignored, and the peer's request then
// meets our offer "already on its way".) Safe from any goroutine.
func (s *Session) ResumeMesh() {
	s.post(func() {
		s.mu.Lock()
		was := s.frozen && !s.noMesh
		s.frozen = false
		s.mu.Unlock()
		if !was {
			return
		}
		for _, id := range s.peerIDs() {
			p := s.peerByID(id)
			if p == nil || p.up.Load() {
				continue
			}
			if p.pc != nil {
				if p.restartTimer != nil {
					p.restartTimer.Stop()
					p.restartTimer = nil
				}
				s.dropConnection(p)
			}
			s.send(&signal.ReadyForOffer{To: id})
		}
	})
}

// welcomeSFU handles a welcome that carries "sfu": the session gives up
// the mesh before negotiating anything and tells Config.OnSFU. It reports
// whether it did.
func (s *Session) welcomeSFU(w *signal.Welcome) bool {
	if w.SFU == nil || s.cfg.OnSFU == nil {
		return false
	}
	if !s.meshLeft() {
		s.leaveMesh()
		s.cfg.OnSFU(SFUMove{SFU: *w.SFU, SelfID: w.PeerID, Welcome: true, People: len(w.Peers) + 1})
	}
	return true
}

// LeaveMesh closes every mesh peer connection and stops negotiating: the
// call's media has moved to an SFU. Signaling stays connected, for
// presence, chat and notices. Safe from any goroutine; it returns at once.
func (s *Session) LeaveMesh() { s.post(s.leaveMesh) }

// leaveMesh runs on the session loop.
func (s *Session) leaveMesh() {
	s.mu.Lock()
	s.noMesh = true
	m := s.media
	s.mu.Unlock()
	for _, id := range s.peerIDs() {
		s.removePeer(id)
	}
	// The mesh's congestion control no longer speaks for the encoder: the
	// SFU's link gets the configured rate.
	fullRate(m)
	s.log.Info("left the mesh: media goes through the SFU")
}

// fullRate sets the encoder to its configured rate, unpaused.
func fullRate(m LocalMedia) {
	if rc, ok := m.(RateController); ok {
		kbps, fps := rc.MaxVideo()
		rc.SetVideoTarget(kbps, fps, false)
	}
}

// meshLeft reports whether LeaveMesh (or a welcome with sfu) ended the mesh.
func (s *Session) meshLeft() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noMesh
}

// SFUReceiving tells peerID that we now receive its media through the SFU
// (protocol v1.1 sfu-receiving), so it may close its mesh connection to
// us. Safe from any goroutine.
func (s *Session) SFUReceiving(peerID string) { s.send(&signal.SFUReceiving{To: peerID}) }

// sfuReceiving handles a peer's sfu-receiving.
func (s *Session) sfuReceiving(m *signal.SFUReceiving) {
	if s.cfg.OnSFU == nil || s.cfg.OnSFUReceiving == nil || m.From == "" || s.peerByID(m.From) == nil {
		return
	}
	s.cfg.OnSFUReceiving(m.From)
}

// SFUJoined tells the server that our SFU room is connected and
// publishing (it counts completed switches).
func (s *Session) SFUJoined() { s.send(&signal.SFUJoined{}) }

// notice shows a server's notice; the views sanitize it.
func (s *Session) notice(n *signal.Notice) {
	s.emit(store.ServerNotice{Level: n.Level, Message: n.Message})
}
