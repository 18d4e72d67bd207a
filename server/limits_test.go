package server

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// metricValue reads a counter or gauge; label "" means the unlabelled one.
func metricValue(t *testing.T, s *Server, name, label string) float64 {
	t.Helper()
	mfs, err := s.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// controlPair joins two clients to room and returns them.
func controlPair(t *testing.T, ts *testServer, room string) (a, b *tclient) {
	t.Helper()
	a, b = dial(t, ts.url), dial(t, ts.url)
	a.join(room, "A")
	b.join(room, "B")
	expect[*signal.PeerJoined](a)
	return a, b
}

// roundTrips has a offer to b and b answer, n times, and fails on anything
// else arriving: the pair is unaffected by what other rooms do.
func roundTrips(t *testing.T, a, b *tclient, n int) {
	t.Helper()
	for i := range n {
		a.send(signal.Offer{To: b.peerID, SDP: fmt.Sprint("o", i)})
		if o := expect[*signal.Offer](b); o.SDP != fmt.Sprint("o", i) {
			t.Fatalf("offer %+v", o)
		}
		b.send(signal.Answer{To: a.peerID, SDP: fmt.Sprint("a", i)})
		if r := expect[*signal.Answer](a); r.SDP != fmt.Sprint("a", i) {
			t.Fatalf("answer %+v", r)
		}
	}
}

// dialStatus dials a silent client and returns the HTTP status of a refused
// upgrade, or 101 when the WebSocket opened.
func dialStatus(t *testing.T, url string) int {
	t.Helper()
	_, err := tryDial(t, url, true)
	var de *dialError
	switch {
	case err == nil:
		return http.StatusSwitchingProtocols
	case errors.As(err, &de):
		return de.status
	}
	t.Fatalf("dial: %v", err)
	return 0
}

func TestUnjoinedBudgetRefusesExcess(t *testing.T) {
	const budget, extra = 20, 10
	ts := newTestServer(t, Config{MaxUnjoined: budget, MaxUnjoinedPerIP: 1000, JoinTimeout: time.Hour})
	a, b := controlPair(t, ts, "control")
	first := dial(t, ts.url) // unjoined for now; it joins below
	for i := 1; i < budget+extra; i++ {
		want := http.StatusSwitchingProtocols
		if i >= budget {
			want = http.StatusServiceUnavailable
		}
		if got := dialStatus(t, ts.url); got != want {
			t.Fatalf("connection %d: status %d, want %d", i, got, want)
		}
	}
	roundTrips(t, a, b, 20)
	if got := metricValue(t, ts.Server, "rtcterm_signal_refused_total", refusedUnjoined); got != extra {
		t.Errorf("refused{unjoined} = %v, want %d", got, extra)
	}
	if got := metricValue(t, ts.Server, "rtcterm_signal_unjoined_connections", ""); got != budget {
		t.Errorf("unjoined gauge = %v, want %d", got, budget)
	}
	// Joining gives the slot back: one more upgrade fits, then none.
	first.join("elsewhere", "F")
	if got := dialStatus(t, ts.url); got != http.StatusSwitchingProtocols {
		t.Errorf("after a join: status %d, want 101", got)
	}
	if got := dialStatus(t, ts.url); got != http.StatusServiceUnavailable {
		t.Errorf("budget full again: status %d, want 503", got)
	}
}

func TestUnjoinedPerIPAndConnectionBudgets(t *testing.T) {
	ts := newTestServer(t, Config{MaxUnjoinedPerIP: 3, MaxConns: 6, JoinTimeout: time.Hour})
	a, b := controlPair(t, ts, "control") // 2 connections, joined
	u := dial(t, ts.url)
	for i := range 2 {
		if got := dialStatus(t, ts.url); got != http.StatusSwitchingProtocols {
			t.Fatalf("unjoined %d: status %d", i, got)
		}
	}
	if got := dialStatus(t, ts.url); got != http.StatusTooManyRequests {
		t.Fatalf("4th unjoined from one address: status %d, want 429", got)
	}
	u.join("other", "U") // 5 connections, 2 unjoined
	if got := dialStatus(t, ts.url); got != http.StatusSwitchingProtocols {
		t.Fatalf("6th connection: status %d, want 101", got)
	}
	if got := dialStatus(t, ts.url); got != http.StatusServiceUnavailable {
		t.Fatalf("7th connection: status %d, want 503", got)
	}
	roundTrips(t, a, b, 10)
	for _, l := range []string{refusedUnjoinedPerIP, refusedConns} {
		if got := metricValue(t, ts.Server, "rtcterm_signal_refused_total", l); got != 1 {
			t.Errorf("refused{%s} = %v, want 1", l, got)
		}
	}
}

func TestJoinDeadlineClosesIdleAndFreesSlots(t *testing.T) {
	ts := newTestServer(t, Config{JoinTimeout: 50 * time.Millisecond, MaxUnjoined: 2})
	idle := []*tclient{dial(t, ts.url), dial(t, ts.url)}
	for i, c := range idle {
		if st := c.expectClosed(); st != websocket.StatusPolicyViolation {
			t.Errorf("idle %d: close status %v, want 1008", i, st)
		}
	}
	waitFor(t, "unjoined slots released", func() bool {
		return metricValue(t, ts.Server, "rtcterm_signal_unjoined_connections", "") == 0
	})
	if got := metricValue(t, ts.Server, "rtcterm_signal_join_timeouts_total", ""); got != 2 {
		t.Errorf("join timeouts = %v, want 2", got)
	}
	// A prompt joiner is not affected by the deadline.
	c := dial(t, ts.url)
	c.join("r", "N")
	c.send(signal.MediaStateUpdate{Audio: true})
	d := dial(t, ts.url)
	d.join("r", "M")
	expect[*signal.PeerJoined](c)
}

// TestUnjoinedConnectionCostsOneGoroutine: the join deadline is a timer and
// keepalive starts on join, so an idle connection is its handler alone.
func TestUnjoinedConnectionCostsOneGoroutine(t *testing.T) {
	const n = 50
	ts := newTestServer(t, Config{JoinTimeout: time.Hour, MaxUnjoined: n, MaxUnjoinedPerIP: n})
	before := runtime.NumGoroutine()
	for range n {
		dialSilent(t, ts.url)
	}
	waitFor(t, "connections registered", func() bool {
		return metricValue(t, ts.Server, "rtcterm_signal_unjoined_connections", "") == n
	})
	if got := runtime.NumGoroutine() - before; got > n+n/5 {
		t.Errorf("%d unjoined connections added %d goroutines, want about %d (one each)", n, got, n)
	}
}

func TestRoomCapRefusesWithServerBusy(t *testing.T) {
	ts := newTestServer(t, Config{MaxRooms: 2})
	a, b := dial(t, ts.url), dial(t, ts.url)
	a.join("r1", "A")
	b.join("r2", "B")
	c := dial(t, ts.url)
	c.send(signal.Join{Room: "r3", UserName: "C"})
	c.expectError(signal.CodeServerBusy, signal.TypeJoin)
	if st := c.expectClosed(); st != websocket.StatusTryAgainLater {
		t.Errorf("close status %v, want 1013", st)
	}
	// Existing rooms still take members, and a freed room makes space.
	d := dial(t, ts.url)
	d.join("r1", "D")
	expect[*signal.PeerJoined](a)
	b.send(signal.Leave{})
	b.expectClosed()
	e := dial(t, ts.url)
	e.join("r3", "E")
	if got := metricValue(t, ts.Server, "rtcterm_signal_refused_total", refusedRooms); got != 1 {
		t.Errorf("refused{rooms} = %v, want 1", got)
	}
}

// flood sends 60 KB offers from f to its room mate until stop is closed and
// returns how many writes completed.
func flood(f *tclient, to string, stop <-chan struct{}) (sent func() int64, done func()) {
	frame, _ := signal.Encode(signal.Offer{To: to, SDP: strings.Repeat("x", 60_000)})
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if f.ws.Write(f.t.Context(), websocket.MessageText, frame) != nil {
				return
			}
			n.Add(1)
		}
	})
	return n.Load, func() { f.ws.CloseNow(); wg.Wait() }
}

// countOffers drains c in the background and counts the offers it got.
func countOffers(c *tclient) func() int64 {
	var n atomic.Int64
	go func() {
		for b := range c.msgs {
			if t, _ := signal.TypeOf(b); t == signal.TypeOffer {
				n.Add(1)
			}
		}
	}()
	return n.Load
}

// TestByteBudgetThrottlesFlooder: a connection sending 60 KB frames within
// the frame and message limits gets no more than its byte budget relayed,
// and a control pair in another room keeps exchanging messages meanwhile.
func TestByteBudgetThrottlesFlooder(t *testing.T) {
	const rateB, burst, frame = 64 << 10, 128 << 10, 60_000
	ts := newTestServer(t, Config{ConnBytesPerSec: rateB, ConnBytesBurst: burst,
		MessageRate: 1e6, MessageBurst: 1e6, SendQueueBytes: 64 << 20, SendQueue: 4096})
	a, b := controlPair(t, ts, "control")
	f, g := controlPair(t, ts, "flood")
	received := countOffers(g)
	stop := make(chan struct{})
	start := time.Now()
	_, done := flood(f, g.peerID, stop)
	roundTrips(t, a, b, 30)
	waitFor(t, "the flooder to be throttled", func() bool {
		return metricValue(t, ts.Server, "rtcterm_signal_throttled_frames_total", "connection") > 0
	})
	got := received()
	elapsed := time.Since(start)
	close(stop)
	done()
	// An upper bound only: a slow machine relays fewer, never more.
	limit := int64((burst+rateB*elapsed.Seconds())/frame) + 2
	if got > limit {
		t.Errorf("relayed %d 60 KB frames in %v, budget allows at most %d", got, elapsed, limit)
	}
	if got == 0 {
		t.Error("no frame of the flooder was relayed at all")
	}
}

// TestGlobalByteBudget: several flooders, each within its own budget,
// together get no more than the server-wide budget, while a light control
// pair completes its exchanges.
func TestGlobalByteBudget(t *testing.T) {
	const global, frame, flooders = 128 << 10, 60_000, 4
	ts := newTestServer(t, Config{InboundBytesPerSec: global, InboundBurst: global,
		ConnBytesPerSec: 1 << 20, ConnBytesBurst: 1 << 20,
		MessageRate: 1e6, MessageBurst: 1e6, SendQueueBytes: 64 << 20, SendQueue: 4096})
	a, b := controlPair(t, ts, "control")
	stop := make(chan struct{})
	var counts []func() int64
	var dones []func()
	start := time.Now()
	for i := range flooders {
		f, g := controlPair(t, ts, fmt.Sprint("flood", i))
		counts = append(counts, countOffers(g))
		_, done := flood(f, g.peerID, stop)
		dones = append(dones, done)
	}
	roundTrips(t, a, b, 30)
	waitFor(t, "the global budget to throttle", func() bool {
		return metricValue(t, ts.Server, "rtcterm_signal_throttled_frames_total", "global") > 0
	})
	var got int64
	for _, c := range counts {
		got += c()
	}
	elapsed := time.Since(start)
	close(stop)
	for _, d := range dones {
		d()
	}
	// Control traffic also draws on the budget, so flooders get less.
	limit := int64((global+global*elapsed.Seconds())/frame) + flooders
	if got > limit {
		t.Errorf("relayed %d 60 KB frames in %v, global budget allows at most %d", got, elapsed, limit)
	}
}
