package server

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rtcterm/rtcterm/signal"
)

// roomMode is where a room's media flows.
type roomMode string

const (
	modeMesh roomMode = "mesh" // a peer connection between every two members
	modeSFU  roomMode = "sfu"  // through the SFU (LiveKit)
)

// SFU room names are the rtcterm room's with this prefix, so an SFU shared
// with other applications keeps rtcterm's rooms apart.
const sfuRoomPrefix = "rtcterm-"

// Backoff of the pre-flight retries: 1 s, doubling, at most 30 s.
const (
	sfuFirstRetry = time.Second
	sfuMaxRetry   = 30 * time.Second
)

// ErrBadSFUConfig reports an SFU configuration New refuses.
var ErrBadSFUConfig = errors.New("server: bad SFU configuration")

// checkSFUConfig validates the SFU fields of a defaulted config.
func checkSFUConfig(c Config) error {
	if c.SFU == nil {
		return nil
	}
	if err := signal.ValidateSFUURL(c.SFUURL); err != nil {
		return fmt.Errorf("%w: the SFU URL must be ws:// or wss:// with a host", ErrBadSFUConfig)
	}
	if c.SFUAt < 2 || c.SFUAt > 1000 {
		return fmt.Errorf("%w: the switch point must be 2-1000 members, not %d", ErrBadSFUConfig, c.SFUAt)
	}
	return nil
}

// sfuRoomName is the SFU room of rtcterm room name.
func sfuRoomName(name string) string { return sfuRoomPrefix + name }

// sfuBackoff is the wait before retry number attempt (1 for the first).
func sfuBackoff(attempt int) time.Duration {
	d := sfuFirstRetry
	for i := 1; i < attempt && d < sfuMaxRetry; i++ {
		d *= 2
	}
	return min(d, sfuMaxRetry)
}

// sfuCheckLocked starts moving r to the SFU when it has grown to the
// switch point and is not moving already. Callers hold s.mu.
func (s *Server) sfuCheckLocked(r *room) {
	if s.cfg.SFU == nil || s.closing || r.mode == modeSFU || r.switching || len(r.members) < s.cfg.SFUAt {
		return
	}
	r.switching = true
	s.preflightLocked(r)
}

// preflightLocked checks the SFU for r in the background; the result comes
// back through preflightDone. Callers hold s.mu, with s.closing false.
func (s *Server) preflightLocked(r *room) {
	s.metrics.sfuAttempts.Inc()
	name := sfuRoomName(r.name)
	s.wg.Go(func() {
		ctx, cancel := s.bgContext(s.cfg.SFUPreflightTimeout)
		err := s.cfg.SFU.Preflight(ctx, name)
		cancel()
		s.preflightDone(r, err)
	})
}

// preflightDone moves r to the SFU after a successful pre-flight, or keeps
// it on the mesh, tells every member why and schedules a retry.
func (s *Server) preflightDone(r *room, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.rooms[r.name] != r {
		return // shutting down, or the room emptied meanwhile
	}
	var switches []*signal.SFUSwitch
	reason := fmt.Sprintf("the room reached %d people", len(r.members))
	if err == nil {
		for _, m := range r.members {
			tok, terr := s.sfuTokenLocked(m)
			if terr != nil {
				err = terr
				break
			}
			switches = append(switches, &signal.SFUSwitch{SFU: signal.SFU{URL: s.cfg.SFUURL, Room: sfuRoomName(r.name), Token: tok, Reason: reason}})
		}
	}
	if err != nil {
		s.preflightFailedLocked(r, err)
		return
	}
	r.switching, r.attempt = false, 0
	s.setModeLocked(r, modeSFU)
	s.metrics.sfuRooms.Inc()
	s.log.Info("room moved from the mesh to the SFU", "room", r.name, "sfu_room", sfuRoomName(r.name), "members", len(r.members), "reason", reason)
	for i, m := range r.members {
		b, _ := signal.Encode(switches[i])
		s.deliverLocked(m, b, signal.TypeSFUSwitch)
	}
	s.flushDropsLocked()
}

// preflightFailedLocked keeps r on the mesh after a failed pre-flight:
// members are told why, and while r is at the switch point a retry is
// scheduled with backoff.
func (s *Server) preflightFailedLocked(r *room, err error) {
	r.attempt++
	kind := "unreachable"
	switch {
	case errors.Is(err, ErrSFURefused):
		kind = "refused"
	case !errors.Is(err, ErrSFUUnreachable):
		kind = "other"
	}
	s.metrics.sfuFailures.WithLabelValues(kind).Inc()
	msg := "staying on the mesh: " + err.Error()
	if len(r.members) >= s.cfg.SFUAt {
		delay := sfuBackoff(r.attempt)
		msg += fmt.Sprintf("; retrying in %d s", int(delay.Round(time.Second)/time.Second))
		r.retry = time.AfterFunc(delay, func() { s.retrySFU(r) })
		s.log.Warn("room stays on the mesh: SFU pre-flight failed", "room", r.name, "members", len(r.members), "attempt", r.attempt, "retry_in", delay, "err", err)
	} else {
		r.switching, r.attempt = false, 0
		s.log.Warn("room stays on the mesh: SFU pre-flight failed; it shrank below the switch point", "room", r.name, "members", len(r.members), "err", err)
	}
	b, _ := signal.Encode(signal.Notice{Level: signal.NoticeWarn, Message: noticeText(msg)})
	s.broadcastLocked(r, nil, b, signal.TypeNotice)
	s.flushDropsLocked()
}

// retrySFU runs when a retry's backoff has passed.
func (s *Server) retrySFU(r *room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.retry = nil
	if s.closing || s.rooms[r.name] != r || r.mode == modeSFU {
		return
	}
	if len(r.members) < s.cfg.SFUAt {
		r.switching, r.attempt = false, 0
		return
	}
	s.preflightLocked(r)
}

// sfuTokenLocked mints m's SFU token: identity its peer id, name its user
// name. Callers hold s.mu.
func (s *Server) sfuTokenLocked(m *peer) (string, error) {
	tok, err := s.cfg.SFU.Token(sfuRoomName(m.room.name), m.id, m.userName, s.cfg.SFUTokenTTL)
	if err != nil {
		return "", fmt.Errorf("cannot mint a LiveKit token: %w", err)
	}
	if len(tok) > signal.MaxTokenLen {
		return "", errors.New("cannot mint a LiveKit token: too long")
	}
	return tok, nil
}

// welcomeSFULocked is the "sfu" of p's welcome in a room on the SFU, nil
// in a mesh room (or when no token can be minted: p then sees the mesh).
func (s *Server) welcomeSFULocked(p *peer) *signal.SFU {
	r := p.room
	if r.mode != modeSFU {
		return nil
	}
	tok, err := s.sfuTokenLocked(p)
	if err != nil {
		s.log.Error("joiner of an SFU room gets no SFU", "room", r.name, "peer", p.id, "err", err)
		return nil
	}
	return &signal.SFU{URL: s.cfg.SFUURL, Room: sfuRoomName(r.name), Token: tok,
		Reason: fmt.Sprintf("the room is on LiveKit (%d people)", len(r.members))}
}

// sfuJoined counts a member that reports its SFU room connected, once.
func (s *Server) sfuJoined(p *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.gone || p.sfuJoined || p.room.mode != modeSFU {
		return
	}
	p.sfuJoined = true
	s.metrics.sfuSwitched.Inc()
	s.log.Debug("member on the SFU", "room", p.room.name, "peer", p.id)
}

// setModeLocked moves r to mode, keeping the rooms-by-mode gauge.
func (s *Server) setModeLocked(r *room, mode roomMode) {
	if r.mode != "" {
		s.metrics.roomsByMode.WithLabelValues(string(r.mode)).Dec()
	}
	r.mode = mode
	if mode != "" {
		s.metrics.roomsByMode.WithLabelValues(string(mode)).Inc()
	}
}

// noticeText makes a notice fit the protocol: control and format
// characters become spaces and it is cut to signal.MaxNoticeRunes.
func noticeText(msg string) string {
	var b strings.Builder
	n := 0
	for _, r := range msg {
		if n == signal.MaxNoticeRunes {
			break
		}
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cs) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	if strings.TrimSpace(b.String()) == "" {
		return "notice"
	}
	return b.String()
}
