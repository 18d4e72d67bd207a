package signal_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/signal"
)

const wait = 20 * time.Second

// startServer runs a signaling server on 127.0.0.1:0 until the test ends and
// returns its host:port.
func startServer(t *testing.T, cfg server.Config) string {
	t.Helper()
	return testkit.StartServer(t, cfg).Addr
}

// running is a Client whose Run executes in a goroutine for the test.
type running struct {
	*signal.Client
	t      *testing.T
	result chan error
	cancel context.CancelFunc
}

func start(t *testing.T, cfg signal.ClientConfig) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Client: signal.NewClient(cfg), t: t, result: make(chan error, 1), cancel: cancel}
	go func() { r.result <- r.Run(ctx) }()
	t.Cleanup(func() {
		r.Close()
		cancel()
	})
	return r
}

// runErr waits for Run to return.
func (r *running) runErr() error {
	r.t.Helper()
	select {
	case err := <-r.result:
		r.result <- err
		return err
	case <-time.After(wait):
		r.t.Fatal("Run did not return")
	}
	return nil
}

func next[T signal.Message](r *running) T {
	r.t.Helper()
	select {
	case m, ok := <-r.Messages():
		if !ok {
			r.t.Fatal("Messages closed")
		}
		v, ok := m.(T)
		if !ok {
			var zero T
			r.t.Fatalf("got %T %+v, want %T", m, m, zero)
		}
		return v
	case <-time.After(wait):
		r.t.Fatal("timed out waiting for a message")
	}
	panic("unreachable")
}

// nextState returns the next state change.
func (r *running) nextState() signal.ClientState {
	r.t.Helper()
	select {
	case s, ok := <-r.States():
		if !ok {
			r.t.Fatal("States closed")
		}
		return s
	case <-time.After(wait):
		r.t.Fatal("timed out waiting for a state")
	}
	panic("unreachable")
}

func cfgFor(addr, room, name string) signal.ClientConfig {
	return signal.ClientConfig{
		URL:        "ws://" + addr + "/ws",
		Join:       signal.Join{Room: room, UserName: name},
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 40 * time.Millisecond,
		Rand:       func() float64 { return 0.5 },
	}
}

func TestClientJoinRelayClose(t *testing.T) {
	addr := startServer(t, server.Config{})
	a := start(t, cfgFor(addr, "r", "A"))
	wa := next[*signal.Welcome](a)
	if a.PeerID() != wa.PeerID || wa.PeerID == "" {
		t.Fatalf("PeerID %q, welcome %+v", a.PeerID(), wa)
	}
	b := start(t, cfgFor(addr, "r", "B"))
	wb := next[*signal.Welcome](b)
	if len(wb.Peers) != 1 || wb.Peers[0].PeerID != wa.PeerID {
		t.Fatalf("peers %+v", wb.Peers)
	}
	if pj := next[*signal.PeerJoined](a); pj.PeerID != wb.PeerID || pj.UserName != "B" {
		t.Errorf("peer-joined %+v", pj)
	}
	if err := b.Send(t.Context(), signal.Offer{To: wa.PeerID, From: "spoof", SDP: "v=0"}); err != nil {
		t.Fatal(err)
	}
	if o := next[*signal.Offer](a); o.From != wb.PeerID || o.SDP != "v=0" {
		t.Errorf("offer %+v", o)
	}
	// Errors after the join are ordinary messages, not fatal.
	if err := b.Send(t.Context(), &signal.Answer{To: "nobody", SDP: "x"}); err != nil {
		t.Fatal(err)
	}
	if e := next[*signal.Error](b); e.Code != signal.CodeUnknownPeer {
		t.Errorf("error %+v", e)
	}

	// Close says leave: A learns at once, with no grace period.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.runErr(); err != nil {
		t.Errorf("Run after Close = %v", err)
	}
	if pl := next[*signal.PeerLeft](a); pl.PeerID != wb.PeerID {
		t.Errorf("peer-left %+v", pl)
	}
	var seen []signal.ClientStatus
	for s := range b.States() {
		seen = append(seen, s.Status)
	}
	want := []signal.ClientStatus{signal.ClientConnecting, signal.ClientConnected, signal.ClientClosed}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
		t.Errorf("states %v, want %v", seen, want)
	}
	if _, ok := <-b.Messages(); ok {
		t.Error("Messages not closed after Run returned")
	}
	if err := b.Send(t.Context(), signal.Offer{To: wa.PeerID, SDP: "x"}); !errors.Is(err, signal.ErrNotConnected) {
		t.Errorf("Send after Close = %v", err)
	}

	// Cancelling Run's context also leaves cleanly.
	a.cancel()
	if err := a.runErr(); err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
}

func TestClientReconnectsWithResume(t *testing.T) {
	addr := startServer(t, server.Config{ResumeGrace: time.Hour})
	px := newProxy(t, addr)
	a := start(t, cfgFor(px.addr(), "r", "A"))
	wa := next[*signal.Welcome](a)
	b := start(t, cfgFor(addr, "r", "B"))
	wb := next[*signal.Welcome](b)
	next[*signal.PeerJoined](a)
	if s := a.nextState(); s.Status != signal.ClientConnecting {
		t.Fatalf("state %+v", s)
	}
	if s := a.nextState(); s.Status != signal.ClientConnected {
		t.Fatalf("state %+v", s)
	}

	// Cut the connection and refuse the next two attempts.
	px.refuse(2)
	px.cut()
	for attempt := 1; attempt <= 3; attempt++ {
		s := a.nextState()
		if s.Status != signal.ClientReconnecting || s.Attempt != attempt || s.Err == nil {
			t.Fatalf("state %+v, want reconnecting attempt %d with a reason", s, attempt)
		}
		if s.Status.String() != "reconnecting" {
			t.Errorf("String() = %q", s.Status)
		}
	}
	if s := a.nextState(); s.Status != signal.ClientConnected {
		t.Fatalf("state %+v, want connected", s)
	}
	w := next[*signal.Welcome](a)
	if w.PeerID != wa.PeerID || a.PeerID() != wa.PeerID {
		t.Fatalf("resumed as %s, want %s", w.PeerID, wa.PeerID)
	}
	if len(w.Peers) != 1 || w.Peers[0].PeerID != wb.PeerID {
		t.Errorf("peers after resume %+v", w.Peers)
	}
	// Both directions work, and B never saw A leave.
	if err := a.Send(t.Context(), signal.Offer{To: wb.PeerID, SDP: "again"}); err != nil {
		t.Fatal(err)
	}
	if o := next[*signal.Offer](b); o.From != wa.PeerID {
		t.Errorf("offer %+v", o)
	}
	if err := b.Send(t.Context(), signal.Answer{To: wa.PeerID, SDP: "ok"}); err != nil {
		t.Fatal(err)
	}
	next[*signal.Answer](a)
}

func TestClientFatalErrors(t *testing.T) {
	addr := startServer(t, server.Config{MaxPeers: 1})
	a := start(t, cfgFor(addr, "r", "A"))
	next[*signal.Welcome](a)
	full := start(t, cfgFor(addr, "r", "B"))
	err := full.runErr()
	if !errors.Is(err, &signal.Error{Code: signal.CodeRoomFull}) {
		t.Errorf("Run = %v, want room-full", err)
	}
	var se *signal.Error
	if !errors.As(err, &se) || se.Ref != signal.TypeJoin {
		t.Errorf("Run error %#v", err)
	}
	bad := start(t, cfgFor(addr, "bad room!", "B"))
	if err := bad.runErr(); !errors.Is(err, &signal.Error{Code: signal.CodeBadMessage}) {
		t.Errorf("Run = %v, want bad-message", err)
	}

	secret := []byte("k")
	authAddr := startServer(t, server.Config{TokenSecret: secret})
	noToken := start(t, cfgFor(authAddr, "r", "A"))
	if err := noToken.runErr(); !errors.Is(err, &signal.Error{Code: signal.CodeUnauthorized}) {
		t.Errorf("Run = %v, want unauthorized", err)
	}
	tok, err := server.NewToken(secret, "r", "Alice", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg := cfgFor(authAddr, "r", "ignored")
	cfg.Join.Token = tok
	ok := start(t, cfg)
	next[*signal.Welcome](ok)
}

func TestClientKeepsRetryingUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	c := start(t, cfgFor(addr, "r", "A"))
	if s := c.nextState(); s.Status != signal.ClientConnecting {
		t.Fatalf("state %+v", s)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		if s := c.nextState(); s.Status != signal.ClientReconnecting || s.Attempt != attempt {
			t.Fatalf("state %+v, want attempt %d", s, attempt)
		}
	}
	if err := c.Send(t.Context(), signal.Offer{To: "x", SDP: "y"}); !errors.Is(err, signal.ErrNotConnected) {
		t.Errorf("Send while down = %v", err)
	}
	c.Close()
	if err := c.runErr(); err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestClientMisuse(t *testing.T) {
	c := signal.NewClient(signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Join: signal.Join{Room: "r", UserName: "N"}})
	if err := c.Send(t.Context(), signal.Offer{To: "x", SDP: "y"}); !errors.Is(err, signal.ErrNotConnected) {
		t.Errorf("Send before Run = %v", err)
	}
	for _, m := range []signal.Message{signal.Join{}, &signal.Leave{}} {
		if err := c.Send(t.Context(), m); !errors.Is(err, signal.ErrClientManaged) {
			t.Errorf("Send(%T) = %v", m, err)
		}
	}
	c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run after Close did not return")
	}
	if err := c.Run(context.Background()); !errors.Is(err, signal.ErrAlreadyRunning) {
		t.Errorf("second Run = %v", err)
	}
}

// proxy forwards TCP to a target so a test can cut connections and refuse
// new ones, like a network outage.
type proxy struct {
	t       *testing.T
	ln      net.Listener
	target  string
	mu      sync.Mutex
	conns   []net.Conn
	refuses int
	wg      sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) refuse(n int) {
	p.mu.Lock()
	p.refuses = n
	p.mu.Unlock()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.refuses > 0 {
			p.refuses--
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.mu.Unlock()
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		p.wg.Go(func() { pipe(in, out) })
		p.wg.Go(func() { pipe(out, in) })
	}
}

func TestClientReconnectNowSkipsTheBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	cfg := cfgFor(addr, "r", "A")
	cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour // only ReconnectNow can move it on
	c := start(t, cfg)
	if s := c.nextState(); s.Status != signal.ClientConnecting {
		t.Fatalf("state %+v", s)
	}
	if s := c.nextState(); s.Status != signal.ClientReconnecting || s.Attempt != 1 {
		t.Fatalf("state %+v, want attempt 1", s)
	}
	c.ReconnectNow()
	if s := c.nextState(); s.Status != signal.ClientReconnecting || s.Attempt != 2 {
		t.Fatalf("state %+v, want attempt 2 right after ReconnectNow", s)
	}
}
