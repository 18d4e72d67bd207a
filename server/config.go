package server

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtcterm/rtcterm/signal"
)

// Config configures a Server. The zero value of every field selects the
// documented default, so Config{} is an open server with sane limits.
type Config struct {
	// MaxPeers is the most peers one room may hold (default 16).
	MaxPeers int
	// TokenSecret, when set, makes every join present an HS256 JWT made by
	// NewToken for the room; the user name is taken from the token. Without it
	// rooms are open to anyone who can reach the server.
	TokenSecret []byte
	// AllowOrigins lists extra browser Origin host patterns (path.Match
	// syntax, e.g. "*.example.com", or "https://app.example.com"). The
	// server's own host is always allowed; requests without Origin (non-browser
	// clients) are always allowed.
	AllowOrigins []string
	// ICEServers are handed to every peer in welcome.
	ICEServers []signal.ICEServer
	// Static, when non-nil, is served at "/" (e.g. a web client).
	Static http.Handler

	// JoinTimeout is how long a new connection may take to send join (default 10s).
	JoinTimeout time.Duration
	// PingInterval is how often each connection is pinged; a peer that misses
	// two pings in a row is dropped (default 15s).
	PingInterval time.Duration
	// ResumeGrace is how long a dropped peer keeps its membership and queued
	// messages waiting for a resume (default 15s).
	ResumeGrace time.Duration
	// WriteTimeout bounds one frame write to a peer (default 10s).
	WriteTimeout time.Duration

	// MaxFrameBytes is the largest frame accepted; larger frames get
	// too-large and are discarded (default 64 KiB). Frames over 16 times
	// this close the connection with status 1009.
	MaxFrameBytes int64
	// MessageRate and MessageBurst limit the frames per second one connection
	// may send (defaults 50/s, burst 200); excess frames get rate-limited.
	MessageRate  float64
	MessageBurst int
	// RateLimitStrikes is how many rate-limited frames in a row close the
	// connection with status 1008 (default 50).
	RateLimitStrikes int
	// ChatRate and ChatBurst limit the chat lines one room member may send
	// (defaults 1/s, burst 5); excess lines get rate-limited.
	ChatRate  float64
	ChatBurst int
	// JoinRate and JoinBurst limit joins per client IP address (defaults
	// 20/s, burst 40), enough for a room's worth of people behind one NAT.
	JoinRate  float64
	JoinBurst int
	// SendQueue is how many frames may wait for one peer (default 256). A
	// peer whose queue overflows is removed from its room and disconnected.
	SendQueue int
	// SendQueueBytes bounds the bytes waiting for one peer the same way
	// (default 4 MiB), so a stalled peer costs bounded memory.
	SendQueueBytes int

	// MaxConns is the most WebSocket connections open at once, joined or
	// not (default 4096). An upgrade beyond it is refused with HTTP 503
	// before the WebSocket exists.
	MaxConns int
	// MaxUnjoined is the most connections that have not joined a room yet
	// (default 256). Together with JoinTimeout it bounds what idle sockets
	// can cost; beyond it upgrades get HTTP 503.
	MaxUnjoined int
	// MaxUnjoinedPerIP is the most not-yet-joined connections from one
	// client address (default 16), so one host cannot take all of
	// MaxUnjoined; beyond it upgrades get HTTP 429.
	MaxUnjoinedPerIP int
	// MaxRooms is the most rooms that may exist at once (default 1024). A
	// join that would create another gets server-busy and a 1013 close.
	MaxRooms int
	// InboundBytesPerSec and InboundBurst are the server-wide budget for
	// bytes read from all connections (defaults 8 MiB/s, burst 1 MiB). Over
	// it, connections that are themselves sending heavily stop being read
	// until the budget refills; light connections are not held back.
	InboundBytesPerSec float64
	InboundBurst       int
	// ConnBytesPerSec and ConnBytesBurst are each connection's inbound byte
	// budget (defaults 64 KiB/s, burst 256 KiB: a few SDP offers at once,
	// and far more than trickle ICE needs). Over it the server stops reading
	// the connection for the time the excess takes to earn back.
	ConnBytesPerSec float64
	ConnBytesBurst  int

	// SFU, when set, moves a room from the mesh to an SFU (LiveKit) once it
	// has SFUAt members (protocol v1.1, see docs/protocol.md).
	SFU SFUBackend
	// SFUURL is the ws:// or wss:// URL of the SFU that members are sent
	// to; required with SFU.
	SFUURL string
	// SFUAt is how many members move a room to the SFU (default 5, at
	// least 2).
	SFUAt int
	// SFUTokenTTL is how long a member's SFU token is valid (default 10
	// min; it is checked only when the member connects).
	SFUTokenTTL time.Duration
	// SFUPreflightTimeout bounds one pre-flight check (default 5 s).
	SFUPreflightTimeout time.Duration

	// Logger receives structured logs (default slog.Default()). Tokens and
	// SDP are never logged.
	Logger *slog.Logger
	// Registry receives the server's metrics and is served at /metrics. Nil
	// creates a private registry with Go and process collectors.
	Registry *prometheus.Registry
	// Now is the clock for token expiry and rate limits (default time.Now).
	Now func() time.Time
	// Rand is the source of peer ids and resume secrets (default crypto/rand.Reader).
	Rand io.Reader
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = 16
	}
	def(&c.JoinTimeout, 10*time.Second)
	def(&c.PingInterval, 15*time.Second)
	def(&c.ResumeGrace, 15*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = signal.MaxFrameBytes
	}
	if c.MessageRate <= 0 {
		c.MessageRate = 50
	}
	if c.MessageBurst <= 0 {
		c.MessageBurst = 200
	}
	if c.RateLimitStrikes <= 0 {
		c.RateLimitStrikes = 50
	}
	if c.ChatRate <= 0 {
		c.ChatRate = 1
	}
	if c.ChatBurst <= 0 {
		c.ChatBurst = 5
	}
	if c.JoinRate <= 0 {
		c.JoinRate = 20
	}
	if c.JoinBurst <= 0 {
		c.JoinBurst = 40
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = 4 << 20
	}
	if c.SendQueueBytes < 2*int(c.MaxFrameBytes) {
		c.SendQueueBytes = 2 * int(c.MaxFrameBytes)
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 4096
	}
	if c.MaxUnjoined <= 0 {
		c.MaxUnjoined = 256
	}
	if c.MaxUnjoinedPerIP <= 0 {
		c.MaxUnjoinedPerIP = 16
	}
	if c.MaxRooms <= 0 {
		c.MaxRooms = 1024
	}
	if c.InboundBytesPerSec <= 0 {
		c.InboundBytesPerSec = 8 << 20
	}
	if c.InboundBurst <= 0 {
		c.InboundBurst = 1 << 20
	}
	if c.ConnBytesPerSec <= 0 {
		c.ConnBytesPerSec = 64 << 10
	}
	if c.ConnBytesBurst <= 0 {
		c.ConnBytesBurst = 256 << 10
	}
	// A burst smaller than a frame would make every large frame wait a
	// full refill; each frame must fit in one burst.
	c.InboundBurst = max(c.InboundBurst, int(c.MaxFrameBytes))
	c.ConnBytesBurst = max(c.ConnBytesBurst, int(c.MaxFrameBytes))
	if c.SFUAt <= 0 {
		c.SFUAt = 5
	}
	def(&c.SFUTokenTTL, 10*time.Minute)
	def(&c.SFUPreflightTimeout, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c
}
