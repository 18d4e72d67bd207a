package rtc

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// handleMessage applies one signaling message (docs/protocol.md).
func (s *Session) handleMessage(ctx context.Context, m signal.Message) {
	s.log.Debug("signaling message", "type", m.MessageType())
	if s.meshLeft() {
		switch m.(type) {
		case *signal.PeerJoined, *signal.ReadyForOffer, *signal.Offer, *signal.Answer, *signal.ICECandidate:
			return // the media is on the SFU: no mesh negotiation
		}
	}
	if s.meshFrozen() {
		switch m.(type) {
		case *signal.ReadyForOffer, *signal.Offer:
			return // moving to the SFU: no new negotiation
		}
	}
	switch m := m.(type) {
	case *signal.SFUSwitch:
		s.sfuMove(m)
	case *signal.SFUReceiving:
		s.sfuReceiving(m)
	case *signal.Notice:
		s.notice(m)
	case *signal.Welcome:
		s.welcome(m)
	case *signal.PeerJoined:
		s.ensurePeer(m.PeerID, m.UserID, m.UserName)
	case *signal.PeerLeft:
		s.removePeer(m.PeerID)
	case *signal.ReadyForOffer:
		s.readyForOffer(m.From)
	case *signal.Offer:
		s.offerReceived(m.From, m.SDP)
	case *signal.Answer:
		s.answerReceived(m.From, m.SDP)
	case *signal.ICECandidate:
		s.candidateReceived(m.From, m.Candidate)
	case *signal.MediaStateUpdate:
		if p := s.peerByID(m.From); p != nil {
			p.wantsLow.Store(m.LowBandwidth)
			s.emit(store.UpdateRemoteMedia{PeerID: m.From, Audio: m.Audio, Video: m.Video, Screen: m.Screen, VideoPaused: m.VideoPaused})
		}
	case *signal.Chat:
		s.chatReceived(m)
	case *signal.Error:
		s.log.Warn("signaling error", "code", m.Code, "ref", m.Ref, "message", m.Message)
		// A peer that just left, or a server without v1.1's reports (the
		// handover's deadlines stand in for them): nothing to tell.
		if m.Code != signal.CodeUnknownPeer && m.Ref != signal.TypeSFUJoined && m.Ref != signal.TypeSFUReceiving && !s.chatRefused(m) {
			s.emit(store.SetConnectionError{Error: "signaling: " + m.Message})
		}
	}
}

// welcome handles the server's answer to our join, first or resumed.
func (s *Session) welcome(w *signal.Welcome) {
	s.mu.Lock()
	prev := s.selfID
	s.selfID = w.PeerID
	s.mu.Unlock()
	s.iceServers = s.iceServers[:0]
	for _, is := range w.ICEServers {
		s.iceServers = append(s.iceServers, webrtc.ICEServer{URLs: is.URLs, Username: is.Username, Credential: is.Credential})
	}
	resumed := prev != "" && prev == w.PeerID
	if s.welcomeSFU(w) || s.meshLeft() {
		// On the SFU: signaling only, the SFU has the rows.
		s.emit(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: w.Room, PeerID: w.PeerID, UserName: s.cfg.Signal.Join.UserName}})
		s.sendMediaState()
		return
	}
	if prev != "" && !resumed {
		// The server did not keep our identity: the others see a new peer
		// and will drop the old one, so start over with everyone.
		for _, id := range s.peerIDs() {
			s.removePeer(id)
		}
	}
	present := map[string]bool{}
	for _, info := range w.Peers {
		present[info.PeerID] = true
		// ensurePeer stops taking peers at Config.MaxPeers, however many
		// the welcome lists.
		if p := s.ensurePeer(info.PeerID, info.UserID, info.UserName); p != nil && info.Media != nil {
			s.emit(store.UpdateRemoteMedia{PeerID: info.PeerID, Audio: info.Media.Audio, Video: info.Media.Video, Screen: info.Media.Screen, VideoPaused: info.Media.VideoPaused})
		}
	}
	if resumed {
		for _, id := range s.peerIDs() {
			if !present[id] {
				s.removePeer(id) // left while we were away
			}
		}
	}
	s.emit(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: w.Room, PeerID: w.PeerID, UserName: s.cfg.Signal.Join.UserName}})
	s.sendMediaState()
	if s.mediaReady {
		if resumed {
			// Peers we have no connection with yet still need an offer.
			for _, id := range s.peerIDs() {
				if p := s.peerByID(id); p != nil && p.pc == nil {
					s.send(&signal.ReadyForOffer{To: id})
				}
			}
		} else {
			s.announceReady()
		}
	}
}

// announceReady tells the room we can take offers (we are the joiner).
func (s *Session) announceReady() { s.send(&signal.ReadyForOffer{}) }

func (s *Session) peerIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.peers))
	for id := range s.peers {
		ids = append(ids, id)
	}
	return ids
}

// readyForOffer: a peer asks us to offer — either it just joined, or it is
// the answerer of an existing pair asking for an ICE restart.
func (s *Session) readyForOffer(from string) {
	if from == "" || from == s.selfPeerID() {
		return
	}
	if !s.mediaReady {
		// We will announce ourselves when media is ready; the peer then
		// offers to us, which settles the roles just as well.
		return
	}
	p := s.introducedPeer(from, signal.TypeReadyForOffer)
	if p == nil {
		return
	}
	switch {
	case p.pc == nil:
		s.offerAfresh(p)
	case p.pc.ConnectionState() == webrtc.PeerConnectionStateClosed:
		// The peer closed its end (it replaced a connection that could
		// not take an offer, see answer) and asks for a new one.
		s.dropConnection(p)
		s.offerAfresh(p)
	case p.offerer:
		if p.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
			return // our restart offer is already on its way
		}
		s.makeOffer(p, true)
	default:
		// We answer in this pair; a broadcast from its join races ours.
	}
}

// offerAfresh makes p a new connection on which we are the offerer, and
// offers.
func (s *Session) offerAfresh(p *peer) {
	p.offerer = true
	if err := s.newPeerConnection(p); err != nil {
		s.peerError(p, fmt.Errorf("create connection: %w", err))
		return
	}
	if err := s.addLocalTracks(p); err != nil {
		s.peerError(p, fmt.Errorf("add tracks: %w", err))
		return
	}
	s.makeOffer(p, false)
}

// dropConnection closes p's connection and forgets everything negotiated
// on it, so the next offer, ours or the peer's, starts a fresh one.
func (s *Session) dropConnection(p *peer) {
	if old := p.pc; old != nil {
		go func() { _ = old.Close() }() // closing waits for DTLS; the loop must not
	}
	s.setPC(p, nil)
	p.closeVideo()
	p.offerer, p.remoteSet = false, false
	p.candidates, p.remoteCandidates = nil, 0
	p.mu.Lock()
	p.inSSRCs, p.outSSRCs = nil, nil
	p.mu.Unlock()
}

// makeOffer creates and sends an offer, restarting ICE when asked.
func (s *Session) makeOffer(p *peer, iceRestart bool) {
	if s.meshFrozen() {
		return // moving to the SFU: no new negotiation
	}
	switch p.pc.SignalingState() {
	case webrtc.SignalingStateStable:
	case webrtc.SignalingStateHaveLocalOffer:
		// An offer is out unanswered (the answer may have been lost while
		// signaling was down). Pion cannot replace a local offer
		// (have-local-offer → SetLocal(offer) is refused, no rollback), so
		// send the same one again — or, for an ICE restart, which needs
		// new credentials, start the pair over on a fresh connection.
		if !iceRestart {
			s.sendDescription(p, webrtc.SDPTypeOffer)
			return
		}
		s.dropConnection(p)
		s.offerAfresh(p)
		return
	default:
		return
	}
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		s.peerError(p, fmt.Errorf("create offer: %w", err))
		return
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		s.peerError(p, fmt.Errorf("set local offer: %w", err))
		return
	}
	s.log.Debug("offer made", "peer", p.id, "iceRestart", iceRestart)
	s.sendDescription(p, webrtc.SDPTypeOffer)
}

// offerReceived answers an offer, or holds it until local media is ready.
func (s *Session) offerReceived(from, sdp string) {
	p := s.introducedPeer(from, signal.TypeOffer)
	if p == nil {
		return
	}
	if !s.mediaReady {
		p.pendingOffer = sdp
		s.emit(store.StorePendingOffer{PeerID: from, Description: store.SessionDescription{Type: "offer", SDP: sdp}})
		return
	}
	s.answer(p, sdp)
}

// answerPendingOffers answers the offers held while media was starting.
func (s *Session) answerPendingOffers() {
	if s.meshFrozen() {
		return // moving to the SFU: no new negotiation
	}
	for _, id := range s.peerIDs() {
		p := s.peerByID(id)
		if p == nil || p.pendingOffer == "" {
			continue
		}
		sdp := p.pendingOffer
		p.pendingOffer = ""
		s.emit(store.TakePendingOffer{PeerID: id})
		s.answer(p, sdp)
	}
}

func (s *Session) answer(p *peer, sdp string) {
	if err := checkOffer(sdp); err != nil {
		// Refused before it touches the connection, which stays as it was
		// and answers the next good offer.
		s.peerError(p, err)
		p.offerRefused = true
		return
	}
	if p.pc != nil && p.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// Glare: both sides offered at once. The lower peer id keeps the
		// offerer role; the other drops its connection and answers.
		if s.selfPeerID() < p.id {
			return
		}
		s.dropConnection(p)
	}
	if p.pc != nil && newConnectionOffered(p.pc, sdp) {
		s.log.Info("peer offers from a new connection; replacing ours", "peer", p.id)
		s.dropConnection(p)
	}
	// Otherwise an offer on an existing connection renegotiates it (an
	// ICE restart from the remote); Pion answers in stable state whichever
	// side made the first offer.
	fresh := p.pc == nil
	if fresh {
		if err := s.newPeerConnection(p); err != nil {
			s.peerError(p, fmt.Errorf("create connection: %w", err))
			return
		}
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		s.peerError(p, fmt.Errorf("set remote offer: %w", err))
		// Pion may have moved to have-remote-offer and cannot roll back:
		// that connection would refuse every later offer. Replace it and
		// ask the peer to offer again; the fresh connection's answer
		// carries a new fingerprint, which tells an rtcterm offerer to
		// start afresh too (answerReceived).
		s.dropConnection(p)
		p.offerRefused = true
		s.send(&signal.ReadyForOffer{To: p.id})
		return
	}
	if fresh {
		// After the remote description, AddTrack binds our tracks to the
		// transceivers the offer created, making them send-receive.
		if err := s.addLocalTracks(p); err != nil {
			s.peerError(p, fmt.Errorf("add tracks: %w", err))
			return
		}
	}
	s.remoteDescriptionSet(p)
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		s.peerError(p, fmt.Errorf("create answer: %w", err))
		return
	}
	if err := p.pc.SetLocalDescription(ans); err != nil {
		s.peerError(p, fmt.Errorf("set local answer: %w", err))
		return
	}
	if p.offerRefused {
		// The error a refused offer showed is over: this one was taken.
		p.offerRefused = false
		s.emit(store.SetConnectionError{PeerID: p.id})
	}
	s.log.Debug("answer made", "peer", p.id, "fresh", fresh)
	s.sendDescription(p, webrtc.SDPTypeAnswer)
}

// gatherWait is how long a description waits for candidate gathering to
// finish before it goes out with what has been gathered: host candidates
// take well under a millisecond, so they travel in the offer or answer and
// the remote's connectivity checks start at once instead of on Pion's next
// 200 ms check tick; slow ones (STUN, TURN) trickle afterwards.
const gatherWait = 50 * time.Millisecond

// sendDescription sends p's local offer or answer once gathering finished
// or gatherWait passed, carrying the candidates gathered by then, without
// blocking the session loop.
func (s *Session) sendDescription(p *peer, typ webrtc.SDPType) {
	pc := p.pc
	p.sdpSent = false
	gathered := webrtc.GatheringCompletePromise(pc)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(gatherWait)
		defer t.Stop()
		select {
		case <-gathered:
		case <-t.C:
		}
		s.post(func() {
			if p.pc != pc || p.sdpSent {
				return // replaced or closed meanwhile
			}
			desc := pc.LocalDescription()
			if desc == nil || desc.Type != typ {
				return
			}
			p.sdpSent = true
			if typ == webrtc.SDPTypeOffer {
				s.send(&signal.Offer{To: p.id, SDP: desc.SDP})
			} else {
				s.send(&signal.Answer{To: p.id, SDP: desc.SDP})
			}
			s.log.Debug("description sent", "peer", p.id, "type", typ.String())
		})
	}()
}

func (s *Session) answerReceived(from, sdp string) {
	p := s.peerByID(from)
	if p == nil || p.pc == nil || !p.offerer || p.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return // stale or unexpected
	}
	if newConnectionOffered(p.pc, sdp) {
		// The peer replaced its connection (it could not take one of our
		// offers); a renegotiation cannot bring up its new DTLS session,
		// so start afresh on our side too.
		s.log.Info("peer answers from a new connection; offering afresh", "peer", p.id)
		s.dropConnection(p)
		s.offerAfresh(p)
		return
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		s.peerError(p, fmt.Errorf("set remote answer: %w", err))
		return
	}
	s.remoteDescriptionSet(p)
}

// remoteDescriptionSet applies the candidates buffered for p.
func (s *Session) remoteDescriptionSet(p *peer) {
	p.remoteSet = true
	p.remoteCandidates = len(p.candidates) // the bound counts per remote description
	if len(p.candidates) == 0 {
		return
	}
	for _, c := range p.candidates {
		if err := p.pc.AddICECandidate(c); err != nil {
			s.log.Debug("buffered candidate refused", "peer", p.id, "err", err)
		}
	}
	p.candidates = nil
	s.emit(store.ICECandidatesApplied{PeerID: p.id})
}

// candidateReceived adds a trickled candidate, buffering it until the
// remote description is set (Pion refuses it before). At most
// maxRemoteCandidates are taken per remote description; the rest are
// counted and dropped, so a flood costs neither memory nor checks.
func (s *Session) candidateReceived(from string, c signal.CandidateInit) {
	p := s.peerByID(from)
	if p == nil {
		return
	}
	if p.remoteCandidates >= maxRemoteCandidates {
		if countFirst(&s.drops.candidates) {
			s.log.Warn("remote candidates beyond the bound dropped", "peer", from, "max", maxRemoteCandidates)
		}
		return
	}
	p.remoteCandidates++
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
	if p.pc == nil || !p.remoteSet {
		p.candidates = append(p.candidates, init)
		sc := store.Candidate{Candidate: c.Candidate}
		if c.SDPMid != nil {
			sc.SDPMid = *c.SDPMid
		}
		if c.SDPMLineIndex != nil {
			sc.SDPMLineIndex = *c.SDPMLineIndex
		}
		if c.UsernameFragment != nil {
			sc.UsernameFragment = *c.UsernameFragment
		}
		s.emit(store.AddICECandidate{PeerID: from, Candidate: sc})
		return
	}
	if err := p.pc.AddICECandidate(init); err != nil {
		s.log.Debug("candidate refused", "peer", from, "err", err)
	}
}

// peerError reports a failure for one peer without ending the call.
func (s *Session) peerError(p *peer, err error) {
	s.log.Warn("peer error", "peer", p.id, "err", err)
	s.emit(store.SetConnectionError{PeerID: p.id, Error: err.Error()})
}

// sendMediaState tells the room what we send.
func (s *Session) sendMediaState() {
	s.mu.Lock()
	audio, video, screen, low := s.audioOn, s.videoOn, s.screen, s.lowBandwidth
	if s.media == nil {
		audio, video, screen = false, false, false
	} else {
		d := s.media.Description()
		_, hasA := d.Track("audio")
		_, hasV := d.Track("video")
		audio = audio && hasA
		video = video && hasV
	}
	s.mu.Unlock()
	t, active := s.adapt.get()
	paused := video && active && t.Paused
	s.send(&signal.MediaStateUpdate{Audio: audio, Video: video, Screen: screen, VideoPaused: paused, LowBandwidth: low})
}
