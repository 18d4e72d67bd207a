// Package server implements the rtcterm signaling server: protocol v1 (see
// docs/protocol.md) over WebSocket at /ws, plus /healthz and /metrics.
package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
)

// Server is a signaling server. Create it with New, expose Handler or call
// Serve/ListenAndServe, and stop it with Shutdown.
type Server struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	registry *prometheus.Registry
	handler  http.Handler

	mu        sync.Mutex
	rooms     map[string]*room
	peers     map[string]*peer
	conns     map[*conn]struct{}
	ipLimits  map[string]*ipLimit
	lastSweep time.Time
	inbound   *rate.Limiter // server-wide inbound byte budget

	// Global connection accounting (see limits.go), guarded by mu.
	nConns       int
	nUnjoined    int
	unjoinedByIP map[string]int

	servers   []*http.Server
	closing   bool
	dropQueue []*peer        // peers whose send queue overflowed; see flushDropsLocked
	wg        sync.WaitGroup // connection handlers and the goroutines they start

	bg       context.Context // background work (SFU pre-flights); cancelled by Shutdown
	bgCancel context.CancelFunc
}

type ipLimit struct {
	lim      *rate.Limiter
	lastUsed time.Time
}

// New returns a Server for cfg with defaults filled in. It logs a warning
// when rooms are open (no TokenSecret).
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := checkSFUConfig(cfg); err != nil {
		return nil, err
	}
	for _, p := range cfg.AllowOrigins {
		if p == "" {
			return nil, errors.New("server: empty allow-origin pattern")
		}
	}
	reg, own := cfg.Registry, false
	if reg == nil {
		reg, own = prometheus.NewRegistry(), true
	}
	m, err := newMetrics(reg, own)
	if err != nil {
		return nil, fmt.Errorf("server: register metrics: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		metrics:  m,
		registry: reg,
		rooms:    make(map[string]*room),
		peers:    make(map[string]*peer),
		conns:    make(map[*conn]struct{}),
		ipLimits: make(map[string]*ipLimit),
		inbound:  newInboundLimiter(cfg),

		unjoinedByIP: make(map[string]int),
	}
	s.bg, s.bgCancel = context.WithCancel(context.Background())
	for name, v := range map[string]float64{
		"max-connections":       float64(cfg.MaxConns),
		"max-unjoined":          float64(cfg.MaxUnjoined),
		"max-unjoined-per-ip":   float64(cfg.MaxUnjoinedPerIP),
		"max-rooms":             float64(cfg.MaxRooms),
		"max-peers-per-room":    float64(cfg.MaxPeers),
		"inbound-bytes-per-sec": cfg.InboundBytesPerSec,
		"conn-bytes-per-sec":    cfg.ConnBytesPerSec,
		"join-timeout-seconds":  cfg.JoinTimeout.Seconds(),
	} {
		m.limits.WithLabelValues(name).Set(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if cfg.Static != nil {
		mux.Handle("/", cfg.Static)
	}
	s.handler = mux
	if cfg.SFU != nil {
		s.log.Info("rooms move from the mesh to the SFU when they grow", "sfu_url", cfg.SFUURL, "at", cfg.SFUAt)
	}
	if len(cfg.TokenSecret) == 0 {
		s.log.Warn("signaling rooms are open: no token secret configured, anyone who can reach the server can join any room")
	} else {
		s.log.Info("signaling joins require a token")
	}
	return s, nil
}

// Handler returns the server's HTTP handler: /ws, /healthz, /metrics and,
// when Config.Static is set, "/".
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln until Shutdown; it then returns
// http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	hs, err := s.newHTTPServer()
	if err != nil {
		ln.Close()
		return err
	}
	s.log.Info("signaling server listening", "addr", ln.Addr().String(), "tls", false)
	return hs.Serve(ln)
}

// ServeTLS is Serve with TLS using the given certificate and key files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	hs, err := s.newHTTPServer()
	if err != nil {
		ln.Close()
		return err
	}
	s.log.Info("signaling server listening", "addr", ln.Addr().String(), "tls", true)
	return hs.ServeTLS(ln, certFile, keyFile)
}

func (s *Server) newHTTPServer() (*http.Server, error) {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second, // refused upgrades close; this covers other idle HTTP clients
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	return hs, nil
}

// Shutdown stops accepting connections, closes every WebSocket with status
// 1001 (going away) and waits for their goroutines, or until ctx is done, in
// which case remaining connections are cut and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	servers := s.servers
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	for _, p := range s.peers {
		if p.graceTimer != nil {
			p.graceTimer.Stop()
		}
	}
	for _, r := range s.rooms {
		if r.retry != nil {
			r.retry.Stop()
			r.retry = nil
		}
	}
	s.bgCancel()
	s.mu.Unlock()

	var errs []error
	for _, hs := range servers {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range conns {
		c.closeAsync(websocket.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.ws.CloseNow()
		}
		s.mu.Unlock()
		<-done
		errs = append(errs, ctx.Err())
	}
	s.log.Info("signaling server stopped")
	return errors.Join(errs...)
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

// bgContext is a context for background work, ended by Shutdown or d.
func (s *Server) bgContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.bg, d)
}

// newID returns n random bytes from Config.Rand, base64url-encoded.
func (s *Server) newID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("server: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// allowJoinLocked applies the per-IP join limit at now. Callers hold s.mu.
func (s *Server) allowJoinLocked(ip string, now time.Time) bool {
	if now.Sub(s.lastSweep) > time.Minute {
		for k, l := range s.ipLimits {
			if now.Sub(l.lastUsed) > time.Minute {
				delete(s.ipLimits, k)
			}
		}
		s.lastSweep = now
	}
	l := s.ipLimits[ip]
	if l == nil {
		l = &ipLimit{lim: rate.NewLimiter(rate.Limit(s.cfg.JoinRate), s.cfg.JoinBurst)}
		s.ipLimits[ip] = l
	}
	l.lastUsed = now
	return l.lim.AllowN(now, 1)
}
