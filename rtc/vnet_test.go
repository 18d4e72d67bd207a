package rtc

import (
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/rtcterm/rtcterm/server"
)

// pipeListener is an in-memory net.Listener: DialContext hands one end of a
// net.Pipe to Accept and returns the other. Unlike a loopback socket it
// blocks only on channels and its deadlines are timers, so goroutines using
// it stay durably blocked inside a testing/synctest bubble and virtual time
// can advance.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// DialContext connects to the listener, whatever the address.
func (l *pipeListener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, srv := net.Pipe()
	select {
	case l.conns <- srv:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	_ = client.Close()
	_ = srv.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, net.ErrClosed
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// startPipeServer runs the signaling server's handler on an in-memory
// listener and returns the URL and the HTTP client that reaches it.
func startPipeServer(t *testing.T) (string, *http.Client) {
	t.Helper()
	srv, err := server.New(server.Config{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln := newPipeListener()
	hs := &http.Server{Handler: srv.Handler()}
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(ln) }()
	tr := &http.Transport{DialContext: ln.DialContext, DisableKeepAlives: true}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		_ = srv.Shutdown(ctx) // the WebSockets, hijacked from hs
		<-served
		tr.CloseIdleConnections()
	})
	return "ws://signal.test/ws", &http.Client{Transport: tr}
}

// TestStatsOnVirtualNetwork is TestStatsMatchSimulatedLink on pion's vnet
// inside a synctest bubble: 40 ms one-way delay must read as 80 ms RTT and
// 5 % of the datagrams toward B dropped as about 5 % loss at B. Time is
// virtual, so the delays are exact and the test takes well under a second
// of wall time however long the simulated call.
func TestStatsOnVirtualNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		url, httpClient := startPipeServer(t)

		router, err := vnet.NewRouter(&vnet.RouterConfig{
			CIDR:          "10.0.0.0/24",
			MinDelay:      40 * time.Millisecond,
			LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard},
		})
		if err != nil {
			t.Fatal(err)
		}
		netA, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		netB, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.2"}})
		if err != nil {
			t.Fatal(err)
		}
		// Exactly 5 of every 100 datagrams toward B are dropped.
		lossyB, err := vnet.NewLossFilter(netB, 5, vnet.WithShuffleLossHandler(100), vnet.WithLossSeed(7))
		if err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(netA); err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(lossyB); err != nil {
			t.Fatal(err)
		}
		if err := router.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = router.Stop() }) // after the members (cleanups run last-in first-out)

		ma, mb := newFakeMedia(), newFakeMedia()
		cfgA := testConfig(url, "vnet", "A", ma)
		cfgA.Signal.HTTPClient = httpClient
		cfgA.Net = netA
		cfgB := testConfig(url, "vnet", "B", mb)
		cfgB.Signal.HTTPClient = httpClient
		cfgB.Net = netB
		a := startMember(t, cfgA, ma)
		b := startMember(t, cfgB, mb)
		start := time.Now()
		waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
		t.Logf("connected after %v (virtual)", time.Since(start))
		idA, idB := peerIDOf(a), peerIDOf(b)

		// Round-trip time, refreshed by the ICE keepalives every second.
		var rttA, rttB []float64
		for range 5 {
			time.Sleep(time.Second)
			for _, x := range []struct {
				m    *member
				peer string
				rtts *[]float64
			}{{a, idB, &rttA}, {b, idA, &rttB}} {
				st, err := x.m.s.CollectStats(context.Background(), x.peer)
				if err != nil {
					t.Fatal(err)
				}
				*x.rtts = append(*x.rtts, st.RTTMillis)
			}
		}
		for _, x := range []struct {
			name string
			rtts []float64
		}{{"A → B", rttA}, {"B → A", rttB}} {
			slices.Sort(x.rtts)
			if x.rtts[0] < 72 || x.rtts[len(x.rtts)-1] > 88 {
				t.Errorf("%s: RTT samples %v ms, want 80 ms ± 10 %%", x.name, x.rtts)
			}
			// The clock is virtual: nothing but the router's delay passes
			// between a binding request and its response.
			if median := x.rtts[len(x.rtts)/2]; math.Abs(median-80) > 0.01 {
				t.Errorf("%s: median RTT %.3f ms, want exactly 80 ms on virtual time", x.name, median)
			}
			t.Logf("%s: RTT samples %v ms", x.name, x.rtts)
		}

		// Loss over one long window (virtual time is free): B loses 5 %,
		// A nothing.
		stB := statsOf(t, b, idA, 20*time.Second)
		stA, err := a.s.CollectStats(context.Background(), idB)
		if err != nil {
			t.Fatal(err)
		}
		if stB.LossPct < 3 || stB.LossPct > 7 {
			t.Errorf("B ← A: loss %.2f %%, want 5 ± 2 %%", stB.LossPct)
		}
		if stA.LossPct != 0 {
			t.Errorf("A ← B: loss %.2f %% on a loss-free path", stA.LossPct)
		}
		if stB.RecvKbps <= 0 || stA.RecvKbps <= 0 {
			t.Errorf("media not flowing: B receives %.1f kbps, A %.1f kbps", stB.RecvKbps, stA.RecvKbps)
		}
		t.Logf("B ← A: loss %.2f %%, %.0f kbps; A ← B: loss %.2f %%, %.0f kbps", stB.LossPct, stB.RecvKbps, stA.LossPct, stA.RecvKbps)
	})
}
