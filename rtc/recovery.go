package rtc

import (
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// statusOf maps Pion's connection state onto the slice's statuses.
func statusOf(st webrtc.PeerConnectionState) store.Status {
	switch st {
	case webrtc.PeerConnectionStateConnected:
		return store.StatusConnected
	case webrtc.PeerConnectionStateDisconnected:
		return store.StatusDisconnected
	case webrtc.PeerConnectionStateFailed:
		return store.StatusFailed
	case webrtc.PeerConnectionStateClosed:
		return store.StatusClosed
	default:
		return store.StatusConnecting
	}
}

// setStatus reports a status change when the slice allows it; moves it
// would refuse (e.g. Pion passing through connecting during a restart that
// kept the media flowing) are not reported.
func (s *Session) setStatus(p *peer, st store.Status) {
	if st == p.lastStatus || store.Transition(p.lastStatus, st) != nil {
		return
	}
	p.lastStatus = st
	p.up.Store(st == store.StatusConnected)
	s.emit(store.UpdateConnectionStatus{PeerID: p.id, Status: st, At: s.now()})
}

// connectionStateChanged runs on the loop whenever Pion reports a change.
func (s *Session) connectionStateChanged(p *peer, pc *webrtc.PeerConnection) {
	if p.pc != pc || s.peerByID(p.id) != p {
		return // an old connection of this peer, or the peer has gone
	}
	st := statusOf(pc.ConnectionState())
	switch st {
	case store.StatusConnected:
		p.everUp = true
		p.restarts = 0
		if p.restartTimer != nil {
			p.restartTimer.Stop()
			p.restartTimer = nil
		}
		s.setStatus(p, st)
		s.keyFrameForNewReceiver(p)
		if l, r := fingerprints(pc); r != "" {
			s.emit(store.SetPeerFingerprint{PeerID: p.id, Fingerprint: r})
			s.emit(store.SetLocalFingerprint{PeerID: p.id, Fingerprint: l})
		}
	case store.StatusFailed:
		s.setStatus(p, st)
		s.reportDTLSFailure(p)
		s.scheduleRestart(p)
	case store.StatusClosed:
		if p.everUp {
			// The peer closed a connection that worked, yet is still in
			// the room: it replaced its end (it could not take one of our
			// offers, see answer). Recover as from a failure, on a fresh
			// connection (restart); "closed" would be final in the store.
			s.setStatus(p, store.StatusFailed)
			s.scheduleRestart(p)
			return
		}
		// Pion closes a connection whose DTLS handshake failed on the other
		// side; the peer is still in the room, so say why.
		s.setStatus(p, st)
		s.reportDTLSFailure(p)
	default:
		s.setStatus(p, st)
	}
}

// reportDTLSFailure tells the user when ICE got through but the connection
// never came up: the DTLS handshake failed, e.g. a certificate that does
// not match the fingerprint the signaling server relayed.
func (s *Session) reportDTLSFailure(p *peer) {
	if p.iceUp.Load() && !p.everUp {
		s.emit(store.SetConnectionError{PeerID: p.id, Error: ErrTextDTLSFailed})
	}
}

// scheduleRestart plans the next automatic ICE restart with exponential
// backoff, or gives up after MaxRestarts.
func (s *Session) scheduleRestart(p *peer) {
	if p.restartTimer != nil {
		return // one is planned already
	}
	if s.meshFrozen() {
		return // moving to the SFU, which takes the peer over (ResumeMesh restarts it if not)
	}
	if p.restarts >= s.cfg.MaxRestarts {
		s.emit(store.UpdateRecovery{PeerID: p.id})
		text := ErrTextICEFailed
		if p.pc != nil {
			text = iceFailureText(p.pc.GetStats(), s.cfg.RelayOnly)
		}
		s.emit(store.SetConnectionError{PeerID: p.id, Error: text})
		return
	}
	p.restarts++
	delay := s.cfg.RestartBackoff << (p.restarts - 1)
	s.emit(store.UpdateRecovery{PeerID: p.id, Recovery: store.Recovery{Attempt: p.restarts, MaxAttempts: s.cfg.MaxRestarts, NextAt: s.now().Add(delay)}})
	attempt := p.restarts
	p.restartTimer = time.AfterFunc(delay, func() {
		s.post(func() {
			p.restartTimer = nil
			if s.peerByID(p.id) != p || p.lastStatus == store.StatusConnected {
				return
			}
			s.restart(p, attempt)
		})
	})
}

// restart runs one ICE restart: the offerer offers with new credentials;
// the answerer asks the offerer for such an offer.
func (s *Session) restart(p *peer, attempt int) {
	s.emit(store.UpdateRecovery{PeerID: p.id, Recovery: store.Recovery{Attempt: attempt, MaxAttempts: s.cfg.MaxRestarts}})
	s.setStatus(p, store.StatusConnecting)
	switch {
	case p.pc == nil:
		s.send(&signal.ReadyForOffer{To: p.id})
	case p.pc.ConnectionState() == webrtc.PeerConnectionStateClosed:
		// Closed by the peer (see connectionStateChanged): start afresh.
		offerer := p.offerer
		s.dropConnection(p)
		if offerer {
			s.offerAfresh(p)
		} else {
			s.send(&signal.ReadyForOffer{To: p.id})
		}
	case p.offerer:
		s.makeOffer(p, true)
	default:
		s.send(&signal.ReadyForOffer{To: p.id})
	}
	// If this attempt does not connect, Pion reports failed again (after the
	// ICE timeouts) and the next attempt is scheduled from there. The
	// answerer's request may get no reply at all, so it watches itself.
	watch := s.cfg.ICEDisconnectedTimeout + s.cfg.ICEFailedTimeout
	p.restartTimer = time.AfterFunc(watch, func() {
		s.post(func() {
			p.restartTimer = nil
			if s.peerByID(p.id) == p && p.lastStatus != store.StatusConnected {
				s.setStatus(p, store.StatusFailed)
				s.scheduleRestart(p)
			}
		})
	})
}

// Retry restarts the connection to a failed peer at once, with a fresh
// budget of automatic attempts. An empty peer id makes a signaling client
// that is waiting to reconnect try again now.
func (s *Session) Retry(peerID string) error {
	if peerID == "" {
		s.client.ReconnectNow()
		return nil
	}
	if s.peerByID(peerID) == nil {
		return fmt.Errorf("retry %q: %w", peerID, ErrPeerNotFound)
	}
	s.post(func() {
		p := s.peerByID(peerID)
		if p == nil {
			return
		}
		if p.restartTimer != nil {
			p.restartTimer.Stop()
			p.restartTimer = nil
		}
		p.restarts = 1
		s.restart(p, 1)
	})
	return nil
}

// fingerprints returns the local and remote DTLS certificate fingerprints
// of the connection, from the SDP both ends agreed on. Users compare a code
// derived from both to rule out a server that swapped certificates.
func fingerprints(pc *webrtc.PeerConnection) (local, remote string) {
	if l := pc.CurrentLocalDescription(); l != nil {
		local = sdpFingerprint(l.SDP)
	}
	if r := pc.CurrentRemoteDescription(); r != nil {
		remote = sdpFingerprint(r.SDP)
	}
	return local, remote
}

// sdpFingerprint returns the first a=fingerprint value of an SDP.
func sdpFingerprint(sdp string) string {
	for line := range strings.SplitSeq(sdp, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "a=fingerprint:"); ok {
			return v
		}
	}
	return ""
}
