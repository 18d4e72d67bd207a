package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/signal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait is the generous deadline for anything a test waits on. Tests never
// assert on how long something took, only that it happened.
const wait = 20 * time.Second

// testServer runs a Server on 127.0.0.1:0 until the test ends.
type testServer struct {
	*Server
	url  string // ws://127.0.0.1:port/ws
	addr string
}

func newTestServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return &testServer{Server: s, url: "ws://" + ln.Addr().String() + "/ws", addr: ln.Addr().String()}
}

// tclient is a raw WebSocket client. Unless silent, a goroutine reads every
// frame into msgs; closeErr holds the reason the connection ended.
type tclient struct {
	t        testing.TB
	ws       *websocket.Conn
	msgs     chan []byte
	done     chan struct{}
	closeErr error
	peerID   string
}

type dialOpt func(*websocket.DialOptions)

func withOrigin(o string) dialOpt {
	return func(d *websocket.DialOptions) { d.HTTPHeader = http.Header{"Origin": {o}} }
}

func dial(t testing.TB, url string, opts ...dialOpt) *tclient {
	t.Helper()
	c, err := tryDial(t, url, false, opts...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// dialSilent returns a client that never reads: it answers no pings and
// lets frames pile up in the kernel buffers.
func dialSilent(t testing.TB, url string) *tclient {
	t.Helper()
	c, err := tryDial(t, url, true)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

func tryDial(t testing.TB, url string, silent bool, opts ...dialOpt) (*tclient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var do websocket.DialOptions
	for _, o := range opts {
		o(&do)
	}
	ws, resp, err := websocket.Dial(ctx, url, &do)
	if err != nil {
		if resp != nil {
			return nil, &dialError{status: resp.StatusCode, err: err}
		}
		return nil, err
	}
	ws.SetReadLimit(4 << 20)
	c := &tclient{t: t, ws: ws, msgs: make(chan []byte, 8192), done: make(chan struct{})}
	if silent {
		close(c.done)
	} else {
		go c.readLoop()
	}
	t.Cleanup(func() {
		ws.CloseNow()
		<-c.done
	})
	return c, nil
}

type dialError struct {
	status int
	err    error
}

func (e *dialError) Error() string { return e.err.Error() }

func (c *tclient) readLoop() {
	defer close(c.done)
	defer close(c.msgs)
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.closeErr = err
			return
		}
		select {
		case c.msgs <- b:
		default:
			c.closeErr = errors.New("test client buffer overflow")
			c.ws.CloseNow()
			return
		}
	}
}

func (c *tclient) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *tclient) send(m signal.Message) {
	c.t.Helper()
	b, err := signal.Encode(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

// recv returns the next message, failing the test after the deadline.
func (c *tclient) recv() signal.Message {
	c.t.Helper()
	select {
	case b, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed: %v", c.closeErr)
		}
		m, err := signal.Decode(b)
		if err != nil {
			c.t.Fatalf("server sent undecodable %s: %v", b, err)
		}
		return m
	case <-time.After(wait):
		c.t.Fatal("timed out waiting for a message")
	}
	return nil
}

// expect reads the next message and requires it to be a T.
func expect[T signal.Message](c *tclient) T {
	c.t.Helper()
	m := c.recv()
	v, ok := m.(T)
	if !ok {
		var zero T
		c.t.Fatalf("got %T %+v, want %T", m, m, zero)
	}
	return v
}

// expectError reads the next message and requires an error with code and ref.
func (c *tclient) expectError(code, ref string) *signal.Error {
	c.t.Helper()
	e := expect[*signal.Error](c)
	if e.Code != code || e.Ref != ref {
		c.t.Fatalf("got error %+v, want code %q ref %q", e, code, ref)
	}
	return e
}

// expectClosed waits for the server to end the connection and returns its
// close status (-1 when it closed without a close frame).
func (c *tclient) expectClosed() websocket.StatusCode {
	c.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case b, ok := <-c.msgs:
			if !ok {
				return websocket.CloseStatus(c.closeErr)
			}
			_ = b
		case <-deadline:
			c.t.Fatal("timed out waiting for the connection to close")
		}
	}
}

func (c *tclient) join(room, name string) *signal.Welcome {
	c.t.Helper()
	c.send(signal.Join{Room: room, UserName: name, UserID: strings.ToLower(name)})
	w := expect[*signal.Welcome](c)
	c.peerID = w.PeerID
	return w
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// detached reports whether the server noticed peer id's connection is gone
// (it is inside the grace period).
func (s *Server) detached(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peers[id]
	return p != nil && p.conn == nil
}

func (s *Server) hasPeer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peers[id] != nil
}

// mustJSON is for raw frames built in tests.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
