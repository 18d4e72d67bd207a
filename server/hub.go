package server

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/rtcterm/rtcterm/signal"
)

// room is the set of peers sharing a room name. It exists while it has members.
type room struct {
	name    string
	members []*peer // in join order, so welcome lists are stable

	// The move to the SFU (sfu.go), guarded by Server.mu.
	mode      roomMode
	switching bool        // a pre-flight runs or a retry is scheduled
	attempt   int         // failed pre-flights in a row
	retry     *time.Timer // the scheduled retry, nil when none
}

func (r *room) member(id string) *peer {
	for _, p := range r.members {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (r *room) remove(p *peer) {
	for i, m := range r.members {
		if m == p {
			r.members = append(r.members[:i], r.members[i+1:]...)
			return
		}
	}
}

// peer is one room membership. It outlives a connection by the resume grace
// period; its outbox keeps frames for the next connection meanwhile. All
// fields are guarded by Server.mu.
type peer struct {
	id       string
	room     *room
	userID   string
	userName string
	media    *signal.MediaState
	secret   string // one-time resume secret of the last welcome; "" once used
	out      *outbox
	chat     *rate.Limiter // chat lines this membership may send

	conn       *conn // nil while inside the grace period
	gen        uint64
	graceTimer *time.Timer
	gone       bool
	sfuJoined  bool // reported sfu-joined (counted once)
}

// deliverLocked queues b for p. A full queue marks p for removal as a slow
// consumer; flushDropsLocked carries that out.
func (s *Server) deliverLocked(p *peer, b []byte, typ string) {
	if p.gone {
		return
	}
	if !p.out.push(b) {
		s.dropQueue = append(s.dropQueue, p)
		return
	}
	s.metrics.relayed.WithLabelValues(typ).Inc()
}

// broadcastLocked queues b for every member of r except skip.
func (s *Server) broadcastLocked(r *room, skip *peer, b []byte, typ string) {
	for _, m := range r.members {
		if m != skip {
			s.deliverLocked(m, b, typ)
		}
	}
}

// flushDropsLocked removes peers whose queue overflowed. Removing one sends
// peer-left to the others, which may overflow further queues, so it loops.
func (s *Server) flushDropsLocked() {
	for len(s.dropQueue) > 0 {
		p := s.dropQueue[0]
		s.dropQueue = s.dropQueue[1:]
		if p.gone {
			continue
		}
		s.log.Info("signaling peer dropped: send queue full", "room", p.room.name, "peer", p.id)
		s.removePeerLocked(p, "slow-consumer")
		if p.conn != nil {
			p.conn.drop()
		}
	}
	s.dropQueue = nil
}

// removePeerLocked ends p's membership and tells the rest of its room.
func (s *Server) removePeerLocked(p *peer, reason string) {
	if p.gone {
		return
	}
	p.gone = true
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	delete(s.peers, p.id)
	r := p.room
	r.remove(p)
	s.metrics.peers.Dec()
	if reason != "leave" {
		s.metrics.dropped.WithLabelValues(reason).Inc()
	}
	if len(r.members) == 0 {
		delete(s.rooms, r.name)
		s.metrics.rooms.Dec()
		s.setModeLocked(r, "")
		if r.retry != nil {
			r.retry.Stop()
			r.retry = nil
		}
		return
	}
	b, _ := signal.Encode(signal.PeerLeft{PeerID: p.id})
	s.broadcastLocked(r, p, b, signal.TypePeerLeft)
}

// welcomeLocked encodes p's welcome: the other members, ICE servers and p's
// current resume secret.
func (s *Server) welcomeLocked(p *peer) []byte {
	w := signal.Welcome{
		PeerID:     p.id,
		Room:       p.room.name,
		Peers:      make([]signal.PeerInfo, 0, len(p.room.members)),
		ICEServers: s.cfg.ICEServers,
		Resume:     &signal.Resume{PeerID: p.id, Secret: p.secret},
		SFU:        s.welcomeSFULocked(p),
	}
	for _, o := range p.room.members {
		if o == p {
			continue
		}
		info := signal.PeerInfo{PeerID: o.id, UserID: o.userID, UserName: o.userName}
		if o.media != nil {
			m := *o.media
			info.Media = &m
		}
		w.Peers = append(w.Peers, info)
	}
	b, _ := signal.Encode(w)
	return b
}

// detachLocked starts p's grace period after its connection c ended. During
// shutdown there is no grace: the server is going away.
func (s *Server) detachLocked(p *peer, c *conn) {
	if p.gone || p.conn != c {
		return
	}
	p.conn = nil
	p.gen++
	if s.closing {
		return
	}
	gen := p.gen
	s.log.Debug("signaling peer disconnected; grace period started", "room", p.room.name, "peer", p.id)
	p.graceTimer = time.AfterFunc(s.cfg.ResumeGrace, func() { s.graceExpired(p, gen) })
}

func (s *Server) graceExpired(p *peer, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.gone || p.conn != nil || p.gen != gen || s.closing {
		return
	}
	s.log.Info("signaling peer left: resume grace period expired", "room", p.room.name, "peer", p.id)
	s.removePeerLocked(p, "grace-expired")
	s.flushDropsLocked()
}
