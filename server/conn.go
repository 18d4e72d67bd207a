package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/rtcterm/rtcterm/signal"
)

// conn is one WebSocket connection. Its read loop runs in the HTTP handler
// goroutine; once joined, keepalive and the writer run beside it and end
// when it does. The join deadline is a timer, not a goroutine.
type conn struct {
	s       *Server
	ws      *websocket.Conn
	ip      string
	log     *slog.Logger
	limiter *rate.Limiter // frames per second
	bytes   *rate.Limiter // inbound bytes per second
	light   *rate.Limiter // whether the connection is light; see throttle
	strikes int           // consecutive rate-limited frames

	ctx      context.Context // cancelled when the read loop ends
	cancel   context.CancelFunc
	unjoined bool          // holds an unjoined slot; guarded by Server.mu
	finished chan struct{} // closed when every goroutine of the connection has ended
	deadline chan struct{} // closed when the join-deadline timer's function has returned
	wg       sync.WaitGroup

	peer *peer // set by the read loop on join; only the read loop writes it
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(r)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	if reason := s.admitLocked(ip); reason != "" {
		s.mu.Unlock()
		s.refuseHTTP(w, reason)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.AllowOrigins})
	if err != nil {
		s.mu.Lock()
		s.releaseLocked(ip, true)
		s.mu.Unlock()
		s.log.Debug("signaling handshake refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	ws.SetReadLimit(16 * s.cfg.MaxFrameBytes)
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		s:        s,
		ws:       ws,
		ip:       ip,
		log:      s.log.With("remote", r.RemoteAddr),
		limiter:  rate.NewLimiter(rate.Limit(s.cfg.MessageRate), s.cfg.MessageBurst),
		bytes:    rate.NewLimiter(rate.Limit(s.cfg.ConnBytesPerSec), s.cfg.ConnBytesBurst),
		light:    newLightLimiter(),
		ctx:      ctx,
		cancel:   cancel,
		unjoined: true,
		finished: make(chan struct{}),
		deadline: make(chan struct{}),
	}
	s.mu.Lock()
	if s.closing {
		s.releaseLocked(ip, true)
		s.mu.Unlock()
		cancel()
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.conns[c] = struct{}{}
	s.metrics.connections.Inc()
	s.mu.Unlock()
	c.log.Debug("signaling connection opened")

	// Until it joins, a connection costs this goroutine only: the join
	// deadline is a timer, and keepalive and the writer start on join.
	t := time.AfterFunc(s.cfg.JoinTimeout, c.joinDeadline)
	c.readLoop()
	if !t.Stop() {
		<-c.deadline
	}
	ws.CloseNow()
	cancel()
	c.wg.Wait()

	s.mu.Lock()
	delete(s.conns, c)
	s.metrics.connections.Dec()
	s.releaseLocked(ip, c.unjoined)
	if c.peer != nil {
		s.detachLocked(c.peer, c)
	}
	s.mu.Unlock()
	close(c.finished)
	c.log.Debug("signaling connection closed")
}

// closeAsync closes the connection with a close frame without blocking the
// caller (the close handshake can take seconds on a dead link).
func (c *conn) closeAsync(code websocket.StatusCode, reason string) {
	c.s.wg.Go(func() { c.ws.Close(code, reason) })
}

// drop cuts the connection without a handshake, for peers that are not
// reading anyway (slow consumers).
func (c *conn) drop() {
	c.s.wg.Go(func() { c.ws.CloseNow() })
}

func (c *conn) readLoop() {
	max := c.s.cfg.MaxFrameBytes
	for {
		typ, r, err := c.ws.Reader(c.ctx)
		if err != nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		if err != nil {
			return
		}
		n := int64(len(data))
		if n > max {
			extra, err := io.Copy(io.Discard, r)
			if err != nil {
				return // beyond the hard limit: the library closed with 1009
			}
			n += extra
		}
		if !c.throttle(int(n)) {
			return
		}
		if !c.limiter.AllowN(c.s.cfg.Now(), 1) {
			c.strikes++
			if c.strikes >= c.s.cfg.RateLimitStrikes {
				c.log.Info("signaling connection closed: sustained rate-limit abuse")
				c.ws.Close(websocket.StatusPolicyViolation, "rate limit exceeded")
				return
			}
			c.reply(signal.CodeRateLimited, "too many messages; this one was dropped", refOf(data))
			continue
		}
		c.strikes = 0
		switch {
		case n > max:
			c.reply(signal.CodeTooLarge, fmt.Sprintf("frame larger than %d bytes dropped", max), "")
		case typ != websocket.MessageText:
			c.reply(signal.CodeBadMessage, "binary frames are not accepted; send JSON text frames", "")
		default:
			if !c.handle(data) {
				return
			}
		}
	}
}

func refOf(data []byte) string {
	t, err := signal.TypeOf(data)
	if err != nil || len(t) > 64 {
		return ""
	}
	return t
}

// reply sends an error frame: through the peer's queue once joined (so it is
// ordered with relayed frames), directly before that.
func (c *conn) reply(code, msg, ref string) {
	c.s.metrics.errors.WithLabelValues(code).Inc()
	c.log.Debug("signaling error sent", "code", code, "ref", ref, "msg", msg)
	b, _ := signal.Encode(signal.Error{Code: code, Message: msg, Ref: ref})
	if p := c.peer; p != nil {
		c.s.mu.Lock()
		c.s.deliverLocked(p, b, signal.TypeError)
		c.s.flushDropsLocked()
		c.s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.s.cfg.WriteTimeout)
	defer cancel()
	c.ws.Write(ctx, websocket.MessageText, b)
}

// handle processes one text frame; false ends the connection.
func (c *conn) handle(data []byte) bool {
	m, err := signal.Decode(data)
	if err != nil {
		code := signal.CodeBadMessage
		if errors.Is(err, signal.ErrUnknownType) {
			code = signal.CodeUnknownType
		}
		c.reply(code, plainText(err), refOf(data))
		return true
	}
	typ := m.MessageType()
	switch m := m.(type) {
	case *signal.Join:
		if c.peer != nil {
			c.reply(signal.CodeAlreadyJoined, "this connection already joined a room", typ)
			return true
		}
		return c.join(m)
	case *signal.Leave, *signal.ReadyForOffer, *signal.Offer, *signal.Answer, *signal.ICECandidate, *signal.MediaStateUpdate, *signal.Chat, *signal.SFUJoined, *signal.SFUReceiving:
		if c.peer == nil {
			c.reply(signal.CodeNotJoined, "send join first", typ)
			return true
		}
		switch m := m.(type) {
		case *signal.Leave:
			c.leave()
			return false
		case *signal.Chat:
			c.chat(m)
		case *signal.SFUJoined:
			c.s.sfuJoined(c.peer)
		default:
			c.relay(m)
		}
		return true
	default:
		c.reply(signal.CodeUnknownType, fmt.Sprintf("%q is not accepted from clients", typ), typ)
		return true
	}
}

func (c *conn) join(j *signal.Join) bool {
	s := c.s
	for _, err := range []error{signal.ValidateRoom(j.Room), signal.ValidateUserID(j.UserID)} {
		if err != nil {
			c.log.Info("signaling join refused", "room", j.Room, "reason", plainText(err))
			c.reply(signal.CodeBadMessage, plainText(err), signal.TypeJoin)
			return true
		}
	}
	if len(j.Token) > signal.MaxTokenLen {
		c.reply(signal.CodeBadMessage, "token too long", signal.TypeJoin)
		return true
	}
	now := s.cfg.Now()
	s.mu.Lock()
	allowed := s.allowJoinLocked(c.ip, now)
	s.mu.Unlock()
	if !allowed {
		c.reply(signal.CodeRateLimited, "too many joins from this address; retry shortly", signal.TypeJoin)
		return true
	}
	if j.Resume != nil && c.resume(j) {
		return true
	}

	userName := j.UserName
	if len(s.cfg.TokenSecret) > 0 {
		reason := ""
		switch claims, err := verifyToken(s.cfg.TokenSecret, j.Token, now); {
		case j.Token == "":
			reason = "a token is required to join"
		case err != nil:
			reason = "invalid token: " + err.Error()
		case claims.Room != j.Room:
			reason = "token is for another room"
		default:
			userName = claims.User
		}
		if reason != "" {
			c.log.Info("signaling join refused", "room", j.Room, "reason", reason)
			c.reply(signal.CodeUnauthorized, reason, signal.TypeJoin)
			c.ws.Close(websocket.StatusPolicyViolation, "unauthorized")
			return false
		}
	} else if err := signal.ValidateUserName(userName); err != nil {
		c.log.Info("signaling join refused", "room", j.Room, "reason", plainText(err))
		c.reply(signal.CodeBadMessage, plainText(err), signal.TypeJoin)
		return true
	}

	id, err1 := s.newID(16)
	secret, err2 := s.newID(32)
	if err := errors.Join(err1, err2); err != nil {
		c.log.Error("signaling join failed", "err", err)
		c.ws.Close(websocket.StatusInternalError, "internal error")
		return false
	}

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false
	}
	r := s.rooms[j.Room]
	if r != nil && len(r.members) >= s.cfg.MaxPeers {
		s.mu.Unlock()
		c.log.Info("signaling join refused", "room", j.Room, "reason", "room full", "max", s.cfg.MaxPeers)
		c.reply(signal.CodeRoomFull, roomFullText(s.cfg.MaxPeers), signal.TypeJoin)
		return true
	}
	if r == nil && len(s.rooms) >= s.cfg.MaxRooms {
		s.mu.Unlock()
		s.metrics.refused.WithLabelValues(refusedRooms).Inc()
		c.log.Info("signaling join refused: room limit reached", "rooms", s.cfg.MaxRooms)
		c.reply(signal.CodeServerBusy, "the server has as many rooms as it allows; retry later", signal.TypeJoin)
		c.ws.Close(websocket.StatusTryAgainLater, "server busy")
		return false
	}
	if r == nil {
		r = &room{name: j.Room}
		s.rooms[j.Room] = r
		s.metrics.rooms.Inc()
		s.setModeLocked(r, modeMesh)
	}
	userName = uniqueName(r, userName)
	p := &peer{
		id:       id,
		room:     r,
		userID:   j.UserID,
		userName: userName,
		secret:   secret,
		out:      newOutbox(s.cfg.SendQueue, s.cfg.SendQueueBytes),
		chat:     newChatLimiter(s.cfg),
	}
	r.members = append(r.members, p)
	s.peers[id] = p
	s.metrics.peers.Inc()
	s.metrics.joins.WithLabelValues("new").Inc()
	joined, _ := signal.Encode(signal.PeerJoined{PeerID: id, UserID: j.UserID, UserName: userName})
	s.broadcastLocked(r, p, joined, signal.TypePeerJoined)
	p.out.pushFront(s.welcomeLocked(p))
	c.attachLocked(p)
	s.sfuCheckLocked(r)
	s.flushDropsLocked()
	s.mu.Unlock()
	c.log.Info("signaling peer joined", "room", r.name, "peer", id, "user", userName)
	return true
}

// resume takes over the membership named by j.Resume when its secret
// matches. It reports false when the resume is refused; the caller then
// treats j as a fresh join (the client notices the new peer id).
func (c *conn) resume(j *signal.Join) bool {
	s := c.s
	s.mu.Lock()
	p := s.peers[j.Resume.PeerID]
	if p == nil || p.gone || p.room.name != j.Room || p.secret == "" ||
		subtle.ConstantTimeCompare([]byte(p.secret), []byte(j.Resume.Secret)) != 1 {
		s.mu.Unlock()
		c.log.Info("signaling resume refused; joining as a new peer", "room", j.Room)
		return false
	}
	p.secret = "" // one-time: consumed now, a new one comes with the welcome
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	old := p.conn
	p.conn = nil
	p.gen++
	s.mu.Unlock()

	if old != nil {
		// The client came back before we noticed its old connection died.
		// Stop the old writer first so frames stay in order.
		old.ws.CloseNow()
		select {
		case <-old.finished:
		case <-time.After(s.cfg.WriteTimeout):
		}
	}

	secret, err := s.newID(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.gone || err != nil || s.closing {
		return false
	}
	p.secret = secret
	p.out.pushFront(s.welcomeLocked(p))
	c.attachLocked(p)
	s.metrics.joins.WithLabelValues("resumed").Inc()
	c.log.Info("signaling peer resumed", "room", p.room.name, "peer", p.id)
	return true
}

// attachLocked makes c the connection of p, gives back its unjoined slot
// and starts its writer and keepalive.
func (c *conn) attachLocked(p *peer) {
	p.conn = c
	c.peer = p
	if c.unjoined {
		c.unjoined = false
		c.s.joinedLocked(c.ip)
	}
	c.wg.Go(func() { c.writeLoop(p.out) })
	c.wg.Go(c.keepalive)
}

func (c *conn) leave() {
	s := c.s
	s.mu.Lock()
	p := c.peer
	if !p.gone {
		c.log.Info("signaling peer left", "room", p.room.name, "peer", p.id)
		s.removePeerLocked(p, "leave")
		s.flushDropsLocked()
	}
	s.mu.Unlock()
	c.ws.Close(websocket.StatusNormalClosure, "left")
}

// relay stamps from on a peer-to-peer message and queues it for its
// recipient, or for the whole room when it has no "to".
func (c *conn) relay(m signal.Message) {
	p := c.peer
	typ := m.MessageType()
	var to string
	broadcast := false
	switch m := m.(type) {
	case *signal.ReadyForOffer:
		m.From, to, broadcast = p.id, m.To, m.To == ""
	case *signal.Offer:
		m.From, to = p.id, m.To
		if m.SDP == "" {
			c.reply(signal.CodeBadMessage, "offer needs \"sdp\"", typ)
			return
		}
	case *signal.Answer:
		m.From, to = p.id, m.To
		if m.SDP == "" {
			c.reply(signal.CodeBadMessage, "answer needs \"sdp\"", typ)
			return
		}
	case *signal.ICECandidate:
		m.From, to = p.id, m.To
	case *signal.SFUReceiving:
		m.From, to = p.id, m.To
	case *signal.MediaStateUpdate:
		m.From, broadcast = p.id, true
	}
	if !broadcast && to == "" {
		c.reply(signal.CodeBadMessage, typ+" needs \"to\"", typ)
		return
	}
	b, err := signal.Encode(m)
	if err != nil {
		c.reply(signal.CodeBadMessage, "cannot relay this message", typ)
		return
	}
	s := c.s
	s.mu.Lock()
	if p.gone {
		s.mu.Unlock()
		return
	}
	if ms, ok := m.(*signal.MediaStateUpdate); ok {
		p.media = &signal.MediaState{Audio: ms.Audio, Video: ms.Video, Screen: ms.Screen, VideoPaused: ms.VideoPaused}
	}
	if broadcast {
		s.broadcastLocked(p.room, p, b, typ)
	} else {
		target := p.room.member(to)
		if target == nil || target == p {
			s.mu.Unlock()
			c.reply(signal.CodeUnknownPeer, "no other peer with that id in your room", typ)
			return
		}
		s.deliverLocked(target, b, typ)
	}
	s.flushDropsLocked()
	s.mu.Unlock()
}

// writeLoop drains the peer's outbox onto this connection. A frame whose
// write fails goes back to the head of the queue for the next connection.
func (c *conn) writeLoop(out *outbox) {
	for {
		b, ok := out.pop()
		if !ok {
			select {
			case <-out.wake:
				continue
			case <-c.ctx.Done():
				return
			}
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.s.cfg.WriteTimeout)
		err := c.ws.Write(ctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			out.pushFront(b)
			c.ws.CloseNow()
			return
		}
	}
}

// keepalive pings the client; two missed pongs in a row drop the connection
// (which starts the resume grace period).
func (c *conn) keepalive() {
	iv := c.s.cfg.PingInterval
	t := time.NewTicker(iv)
	defer t.Stop()
	misses := 0
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.ctx, iv)
		err := c.ws.Ping(ctx)
		cancel()
		if c.ctx.Err() != nil {
			return
		}
		if err == nil {
			misses = 0
			continue
		}
		misses++
		if misses >= 2 {
			c.log.Info("signaling connection dropped: no answer to pings")
			c.ws.CloseNow()
			return
		}
	}
}

// joinDeadline runs when JoinTimeout has passed since the upgrade: a
// connection that has not joined by then is closed (1008), freeing its
// unjoined slot.
func (c *conn) joinDeadline() {
	defer close(c.deadline)
	c.s.mu.Lock()
	late := c.unjoined
	c.s.mu.Unlock()
	if !late || c.ctx.Err() != nil {
		return
	}
	c.s.metrics.joinTimeouts.Inc()
	c.log.Info("signaling connection closed: no join in time")
	c.ws.Close(websocket.StatusPolicyViolation, "join timeout")
}

// plainText is an error as the user should read it: without the Go
// sentinel prefixes ("signal: bad message: ") that wrap it.
func plainText(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{signal.ErrBadMessage, signal.ErrUnknownType} {
		msg = strings.TrimPrefix(msg, sentinel.Error()+": ")
	}
	return msg
}

// roomFullText says how many people a full room holds, in English.
func roomFullText(n int) string {
	if n == 1 {
		return "the room is full: it holds 1 person"
	}
	return fmt.Sprintf("the room is full: it holds %d people", n)
}

// uniqueName marks a name another member of the room already has, so two
// people called "me" show as "me" and "me (2)" everywhere. The result stays
// within signal.MaxUserNameLen characters. Callers hold s.mu.
func uniqueName(r *room, name string) string {
	taken := func(n string) bool {
		for _, m := range r.members {
			if m.userName == n {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		base := []rune(name)
		if n := signal.MaxUserNameLen - len([]rune(suffix)); len(base) > n {
			base = base[:n]
		}
		if candidate := string(base) + suffix; !taken(candidate) {
			return candidate
		}
	}
}
