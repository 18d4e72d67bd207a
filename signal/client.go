package signal

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/time/rate"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ErrNotConnected is returned by Client.Send while the client has no joined
// connection (connecting, reconnecting or closed). The caller decides whether
// to retry, queue or drop.
var ErrNotConnected = errors.New("signal: not connected")

// ErrClientManaged is returned by Client.Send for join and leave, which the
// client sends itself (on connect and in Close).
var ErrClientManaged = errors.New("signal: join and leave are sent by the client itself")

// ErrAlreadyRunning is returned by Client.Run when Run is already active.
var ErrAlreadyRunning = errors.New("signal: client already running")

// ClientStatus is the connection status a Client reports on States.
type ClientStatus int

// Client statuses, in the order a session usually passes through them.
const (
	ClientConnecting   ClientStatus = iota // first connection attempt in progress
	ClientConnected                        // joined; Send works
	ClientReconnecting                     // connection lost; waiting for or making attempt ClientState.Attempt
	ClientClosed                           // Run has returned
)

// String returns a lower-case name for the status, for logs and the UI.
func (s ClientStatus) String() string {
	switch s {
	case ClientConnecting:
		return "connecting"
	case ClientConnected:
		return "connected"
	case ClientReconnecting:
		return "reconnecting"
	case ClientClosed:
		return "closed"
	}
	return fmt.Sprintf("ClientStatus(%d)", int(s))
}

// ClientState is one status change. Attempt counts reconnection attempts
// since the last stable connection (1 for the first retry); Err is the reason
// the previous attempt or connection ended, if any; Delay is the backoff
// the client waits before making attempt Attempt (reconnecting only), so a
// UI can say "retrying in 2s".
type ClientState struct {
	Status  ClientStatus
	Attempt int
	Err     error
	Delay   time.Duration
}

// ClientConfig configures a Client. Only URL and Join are required.
type ClientConfig struct {
	// URL is the server's WebSocket URL, e.g. ws://host:port/ws; pass user
	// input through NormalizeURL first.
	URL string
	// Join is sent on every (re)connection. Join.Resume is ignored: the
	// client fills it in from the last Welcome.
	Join Join
	// HTTPHeader is added to the WebSocket handshake request (optional).
	HTTPHeader http.Header
	// HTTPClient performs the handshake, e.g. with a custom TLS config (optional).
	HTTPClient *http.Client
	// Logger receives debug and warning logs (optional; default discards).
	Logger *slog.Logger

	// MinBackoff and MaxBackoff bound the reconnection delay, which starts at
	// MinBackoff and doubles per attempt up to MaxBackoff (defaults 250ms, 10s).
	// Each delay is jittered to between half and all of its value.
	MinBackoff, MaxBackoff time.Duration
	// Rand returns numbers in [0,1) for the jitter (default math/rand/v2.Float64).
	Rand func() float64
	// StableAfter is how long a joined connection must stay up before the
	// backoff starts again from MinBackoff (default 5s). A welcome alone does
	// not reset it: a server that welcomes and closes at once would otherwise
	// be redialled every MinBackoff.
	StableAfter time.Duration
	// Now is the clock that measures how long a connection stayed up
	// (default time.Now).
	Now func() time.Time
	// GiveUpAfter is how many attempts in a row may fail to reach the
	// server before the first successful join ever, after which Run returns
	// the *DialError (default 4). A permanent failure (unknown host, TLS
	// mismatch, HTTP status) returns at once. Once joined, the client keeps
	// reconnecting for as long as it runs.
	GiveUpAfter int
	// DialTimeout bounds one connection attempt including the join (default 10s).
	DialTimeout time.Duration
	// PingInterval is how often the client pings the server; a ping without a
	// pong within another interval counts as a lost connection (default 15s).
	PingInterval time.Duration
	// MessageBuffer is the capacity of the Messages channel (default 64).
	MessageBuffer int
	// MaxMessagesPerSecond and MessageBurst bound how fast messages are
	// read from the server (defaults 1000 and 2000): far above what any
	// room sends (a few per peer per second while connecting), far below
	// what a hostile server's flood would cost to decode.
	MaxMessagesPerSecond float64
	MessageBurst         int
}

// Client keeps one membership in a signaling room alive: it connects, joins,
// delivers server messages, and after a connection loss reconnects with
// backoff and resumes the same peer id. Established WebRTC connections are
// independent of it. Create it with NewClient, then call Run.
type Client struct {
	cfg ClientConfig
	log *slog.Logger

	msgs     chan Message
	states   chan ClientState
	retryNow chan struct{} // cuts a reconnection backoff short

	transport *http.Transport // the client's own, when Config.HTTPClient was nil
	inbound   *rate.Limiter   // messages read from the server

	stateMu sync.Mutex // serialises the drop-oldest send on states

	mu        sync.Mutex
	conn      *websocket.Conn // non-nil while joined
	peerID    string
	resume    *Resume
	closed    bool
	running   bool
	cancelRun context.CancelFunc
	done      chan struct{}
}

// NewClient returns a Client for cfg with defaults filled in. It does not
// connect; call Run.
func NewClient(cfg ClientConfig) *Client {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.StableAfter <= 0 {
		cfg.StableAfter = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = 4
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 15 * time.Second
	}
	if cfg.MessageBuffer <= 0 {
		cfg.MessageBuffer = 64
	}
	if cfg.MaxMessagesPerSecond <= 0 {
		cfg.MaxMessagesPerSecond = 1000
	}
	if cfg.MessageBurst <= 0 {
		cfg.MessageBurst = 2000
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.Join.Resume = nil
	var own *http.Transport
	if cfg.HTTPClient == nil {
		// A transport of its own, closed when Run ends: a handshake dial
		// still in flight when the client stops would otherwise finish in
		// the background and park an idle connection in the shared pool,
		// which the server waits on at shutdown.
		own = http.DefaultTransport.(*http.Transport).Clone()
		cfg.HTTPClient = &http.Client{Transport: own}
	}
	return &Client{
		inbound:   rate.NewLimiter(rate.Limit(cfg.MaxMessagesPerSecond), cfg.MessageBurst),
		transport: own,
		cfg:       cfg,
		log:       log,
		msgs:      make(chan Message, cfg.MessageBuffer),
		states:    make(chan ClientState, 16),
		retryNow:  make(chan struct{}, 1),
	}
}

// Messages delivers every server message in arrival order as a pointer
// (*Welcome, *Offer, *Error, ...), including the Welcome of every
// (re)connection. A Welcome whose PeerID differs from the previous one means
// the resume failed: the server treats this as a new peer and every other
// member will see it as new. The channel is closed when Run returns. Read it
// promptly: while it is full the client stops reading from the server.
func (c *Client) Messages() <-chan Message { return c.msgs }

// States delivers status changes. It is buffered; when the reader falls
// behind, the oldest pending state is dropped. Closed when Run returns.
func (c *Client) States() <-chan ClientState { return c.states }

// PeerID returns the id the server assigned in the last Welcome, or "".
func (c *Client) PeerID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerID
}

// Send encodes m and writes it to the server. It returns ErrNotConnected
// (possibly wrapped) when there is no joined connection or the write fails,
// and ErrClientManaged for Join and Leave. If ctx has no deadline a 10 s
// write timeout applies; a timed-out write drops the connection.
func (c *Client) Send(ctx context.Context, m Message) error {
	switch m.(type) {
	case Join, *Join, Leave, *Leave:
		return ErrClientManaged
	}
	b, err := Encode(m)
	if err != nil {
		return err
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return ErrNotConnected
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%w: %w", ErrNotConnected, err)
	}
	return nil
}

// ReconnectNow skips the remaining backoff when the client is waiting to
// reconnect (a user pressing "retry"); otherwise it does nothing.
func (c *Client) ReconnectNow() {
	select {
	case c.retryNow <- struct{}{}:
	default:
	}
}

// Close sends leave (when connected), closes the connection and waits for
// Run to return. After Close, Run returns nil at once. Close is safe to call
// more than once and from any goroutine except one Run is blocked on (such
// as a goroutine that must drain Messages for Run to progress: Close does
// not need it drained).
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	cancel, done := c.cancelRun, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

// Run connects, joins and keeps the membership alive until ctx is done,
// Close is called, or the server refuses the join with a fatal error
// (unauthorized, room-full, a bad room or user name), which Run returns as
// *Error. It returns nil when stopped by ctx or Close, after sending leave.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return ErrAlreadyRunning
	}
	if c.done != nil { // Run already ran once; its channels are closed
		c.mu.Unlock()
		return ErrAlreadyRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.running = true
	c.cancelRun = cancel
	c.done = make(chan struct{})
	closed := c.closed
	c.mu.Unlock()

	err := c.run(ctx, closed)
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}

	c.setState(ClientState{Status: ClientClosed, Err: err})
	c.stateMu.Lock()
	close(c.states)
	c.stateMu.Unlock()
	close(c.msgs)
	c.mu.Lock()
	c.running = false
	close(c.done)
	c.mu.Unlock()
	return err
}

func (c *Client) run(ctx context.Context, closed bool) error {
	if closed {
		return nil
	}
	attempt := 0
	var lastErr error
	everJoined := false
	for ctx.Err() == nil {
		if attempt == 0 {
			c.setState(ClientState{Status: ClientConnecting})
		} else {
			delay := c.backoff(attempt)
			c.setState(ClientState{Status: ClientReconnecting, Attempt: attempt, Err: lastErr, Delay: delay})
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			case <-c.retryNow:
				t.Stop()
			}
		}
		joined, joinedAt, err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var se *Error
		if !joined && errors.As(err, &se) && !retryable(se.Code) {
			return se
		}
		var de *DialError
		if !everJoined && errors.As(err, &de) && (de.Permanent || attempt+1 >= c.cfg.GiveUpAfter) {
			return de
		}
		if joined {
			everJoined = true
			// Only a connection that stayed up resets the backoff; one
			// that ends right after its welcome counts as a failed attempt.
			if c.cfg.Now().Sub(joinedAt) >= c.cfg.StableAfter {
				attempt = 0
			}
			select { // a retry asked for while connected is stale
			case <-c.retryNow:
			default:
			}
		}
		attempt++
		lastErr = err
		c.log.Warn("signaling connection lost", "attempt", attempt, "err", err)
	}
	return nil
}

// retryable reports whether a join refused with code may succeed later on a
// new connection, so Run keeps trying instead of returning the error.
func retryable(code string) bool {
	return code == CodeRateLimited || code == CodeServerBusy
}

// backoff returns the jittered delay before reconnection attempt n (n ≥ 1).
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 1; i < n && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	r := c.cfg.Rand()
	if r < 0 || r >= 1 {
		r = 0
	}
	return d/2 + time.Duration(float64(d/2)*r)
}

func (c *Client) setState(s ClientState) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	for {
		select {
		case c.states <- s:
			return
		default:
		}
		select {
		case <-c.states:
		default:
		}
	}
}

// session makes one connection: dial, join, then read until the connection
// ends. joined reports whether a Welcome arrived, joinedAt when (by Config.Now).
func (c *Client) session(ctx context.Context) (joined bool, joinedAt time.Time, err error) {
	// One deadline covers the handshake and the join; it is released once
	// welcome arrives and never bounds the session itself.
	dialCtx, cancelDial := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancelDial()
	conn, _, err := websocket.Dial(dialCtx, c.cfg.URL, &websocket.DialOptions{
		HTTPHeader: c.cfg.HTTPHeader,
		HTTPClient: c.cfg.HTTPClient,
	})
	if err != nil {
		if ctx.Err() != nil {
			return false, joinedAt, err
		}
		return false, joinedAt, classifyDial(c.cfg.URL, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)

	// Reads use their own context: cancelling a read's context makes
	// coder/websocket drop the connection, and on ctx we first want to say
	// leave and close cleanly.
	readCtx, cancelRead := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sessionDone := make(chan struct{})
	defer func() {
		close(sessionDone)
		cancelRead()
		wg.Wait()
	}()
	wg.Go(func() {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			wasJoined := c.conn == conn
			c.mu.Unlock()
			if wasJoined {
				c.sayGoodbye(conn)
			}
			cancelRead()
		case <-sessionDone:
		}
	})

	join := c.cfg.Join
	c.mu.Lock()
	join.Resume = c.resume
	c.mu.Unlock()
	b, err := Encode(join)
	if err != nil {
		return false, joinedAt, err
	}
	if err := conn.Write(dialCtx, websocket.MessageText, b); err != nil {
		return false, joinedAt, err
	}

	// Wait for welcome (or a refusal) within the dial timeout.
	joinTimer := context.AfterFunc(dialCtx, func() {
		if ctx.Err() == nil {
			cancelRead()
		}
	})
	defer joinTimer()
	for !joined {
		m, err := c.read(readCtx, conn)
		if err != nil {
			return false, joinedAt, err
		}
		switch m := m.(type) {
		case *Error:
			return false, joinedAt, m
		case *Welcome:
			if !joinTimer() {
				return false, joinedAt, context.DeadlineExceeded
			}
			cancelDial()
			c.mu.Lock()
			if c.peerID != "" && c.peerID != m.PeerID {
				c.log.Warn("signaling resume refused; joined as a new peer", "old", c.peerID, "new", m.PeerID)
			}
			c.peerID = m.PeerID
			c.resume = m.Resume
			c.conn = conn
			c.mu.Unlock()
			joined = true
			joinedAt = c.cfg.Now()
			c.setState(ClientState{Status: ClientConnected})
			if !c.deliver(readCtx, ctx, m) {
				return true, joinedAt, ctx.Err()
			}
		default:
			c.log.Debug("signaling message before welcome ignored", "type", m.MessageType())
		}
	}
	defer func() {
		c.mu.Lock()
		if c.conn == conn {
			c.conn = nil
		}
		c.mu.Unlock()
	}()

	wg.Go(func() { c.keepalive(readCtx, conn, cancelRead) })
	for {
		m, err := c.read(readCtx, conn)
		if err != nil {
			return true, joinedAt, err
		}
		if w, ok := m.(*Welcome); ok { // not expected mid-session; keep resume current anyway
			c.mu.Lock()
			c.peerID, c.resume = w.PeerID, w.Resume
			c.mu.Unlock()
		}
		if !c.deliver(readCtx, ctx, m) {
			return true, joinedAt, ctx.Err()
		}
	}
}

// read returns the next decodable message, skipping (and logging) frames it
// cannot decode so a newer server's additions do not break the session.
func (c *Client) read(ctx context.Context, conn *websocket.Conn) (Message, error) {
	for {
		// A server flooding us is read at the budget's pace: TCP pushes
		// back on it, and decoding its junk cannot take a whole core.
		if err := c.inbound.Wait(ctx); err != nil {
			return nil, err
		}
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return nil, err
		}
		if typ != websocket.MessageText {
			c.log.Debug("signaling binary frame ignored")
			continue
		}
		m, err := Decode(data)
		if err != nil {
			c.log.Debug("signaling frame ignored", "err", err)
			continue
		}
		return m, nil
	}
}

func (c *Client) deliver(readCtx, ctx context.Context, m Message) bool {
	select {
	case c.msgs <- m:
		return true
	case <-readCtx.Done():
		return false
	case <-ctx.Done():
		// Stopping: nobody may read Messages any more, and the goodbye
		// needs this goroutine out of the way.
		return false
	}
}

// keepalive pings the server; a ping unanswered for two intervals ends the
// session so Run reconnects instead of waiting on a half-open TCP connection.
func (c *Client) keepalive(ctx context.Context, conn *websocket.Conn, fail context.CancelFunc) {
	t := time.NewTicker(c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 2*c.cfg.PingInterval)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("signaling server not answering pings", "err", err)
				fail()
			}
			return
		}
	}
}

// sayGoodbye sends leave and closes the connection normally, bounded in time
// so Close cannot hang on a dead network.
func (c *Client) sayGoodbye(conn *websocket.Conn) {
	c.mu.Lock()
	if c.conn == conn {
		c.conn = nil
	}
	c.mu.Unlock()
	b, _ := Encode(Leave{})
	// Bounded so leaving never hangs on a server that stopped reading (or
	// floods us). The leave frame is what the server acts on; the
	// WebSocket close handshake is skipped, because coder/websocket waits
	// up to 5 s for the server's close frame, and a hostile server sends
	// none.
	wctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Write(wctx, websocket.MessageText, b)
	conn.CloseNow()
}
