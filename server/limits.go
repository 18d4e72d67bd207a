package server

import (
	"context"
	"net"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Reasons a connection or join is refused by a global limit; they label
// rtcterm_signal_refused_total.
const (
	refusedConns         = "connections"
	refusedUnjoined      = "unjoined"
	refusedUnjoinedPerIP = "unjoined-per-ip"
	refusedRooms         = "rooms"
)

// remoteIP is the client address without the port.
func remoteIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// admitLocked reserves a connection slot and an unjoined slot for ip, or
// returns the reason it cannot. Every new connection starts unjoined.
// Callers hold s.mu and, on success, must call releaseLocked once.
func (s *Server) admitLocked(ip string) string {
	switch {
	case s.nConns >= s.cfg.MaxConns:
		return refusedConns
	case s.nUnjoined >= s.cfg.MaxUnjoined:
		return refusedUnjoined
	case s.unjoinedByIP[ip] >= s.cfg.MaxUnjoinedPerIP:
		return refusedUnjoinedPerIP
	}
	s.nConns++
	s.nUnjoined++
	s.unjoinedByIP[ip]++
	s.metrics.unjoined.Set(float64(s.nUnjoined))
	return ""
}

// joinedLocked gives back the unjoined slot of a connection that has just
// joined. Callers hold s.mu.
func (s *Server) joinedLocked(ip string) {
	s.nUnjoined--
	if s.unjoinedByIP[ip]--; s.unjoinedByIP[ip] <= 0 {
		delete(s.unjoinedByIP, ip)
	}
	s.metrics.unjoined.Set(float64(s.nUnjoined))
}

// releaseLocked gives back the slots admitLocked reserved when the
// connection ends. Callers hold s.mu.
func (s *Server) releaseLocked(ip string, unjoined bool) {
	s.nConns--
	if unjoined {
		s.joinedLocked(ip)
	}
}

// refuseHTTP answers an upgrade over a global limit before the WebSocket
// exists, so a refused attempt costs no goroutine or buffers beyond the
// HTTP request. The connection is not kept alive.
func (s *Server) refuseHTTP(w http.ResponseWriter, reason string) {
	s.metrics.refused.WithLabelValues(reason).Inc()
	status, msg := http.StatusServiceUnavailable, "server busy: too many connections; retry later"
	if reason == refusedUnjoinedPerIP {
		status, msg = http.StatusTooManyRequests, "too many connections from this address that have not joined; retry later"
	}
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Connection", "close")
	http.Error(w, msg, status)
}

// A connection whose traffic fits lightBytesPerSec with bursts of
// lightBurst (a few SDP offers, any amount of trickle ICE) is light and never
// waits on the global byte budget. Bypassing it is bounded: MaxConns times
// this rate.
const (
	lightBytesPerSec = 4 << 10
	lightBurst       = 32 << 10
)

func newLightLimiter() *rate.Limiter { return rate.NewLimiter(lightBytesPerSec, lightBurst) }

// throttle charges n inbound bytes to the connection's budget and the
// server's, and sleeps (not reading, so TCP pushes back on the sender) for
// as long as the connection is over its share. Light connections (see
// lightBytesPerSec) do not wait on the global budget, so a busy server slows
// its heavy senders and not a quiet call. It returns false if the
// connection ended while waiting.
func (c *conn) throttle(n int) bool {
	s := c.s
	now := s.cfg.Now()
	s.metrics.inbound.Add(float64(n))
	own := c.bytes.ReserveN(now, min(n, c.bytes.Burst()))
	delay := own.DelayFrom(now)
	heavy := !c.light.AllowN(now, n)
	global := s.inbound.ReserveN(now, min(n, s.inbound.Burst()))
	scope := "connection"
	if gd := global.DelayFrom(now); heavy && gd > delay {
		delay, scope = gd, "global"
	}
	if delay <= 0 {
		return true
	}
	s.metrics.throttled.WithLabelValues(scope).Inc()
	s.metrics.throttleSeconds.Add(delay.Seconds())
	return sleepCtx(c.ctx, delay)
}

// sleepCtx waits d or until ctx is done; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// newInboundLimiter is the server-wide inbound byte budget.
func newInboundLimiter(cfg Config) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(cfg.InboundBytesPerSec), cfg.InboundBurst)
}
