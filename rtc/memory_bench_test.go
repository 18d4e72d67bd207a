package rtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/benchproc"
	"github.com/rtcterm/rtcterm/store"
)

// memMaxPeers is how many remote peers BenchmarkMemoryPerPeer adds.
const memMaxPeers = 5

// memURLEnv gives the memory child the signaling server's URL.
const memURLEnv = "RTCTERM_BENCH_SIGNAL_URL"

// BenchmarkMemoryPerPeer measures how much one session's heap grows per
// additional connected peer.
//
// Method: the measured session runs alone in a child process (the test
// binary re-executed into TestMemoryPerPeerHelper); the signaling server and
// the peers run in this process, so the child's heap is the session's own.
// Peers join one at a time, 1 to memMaxPeers; after each has connected and
// media has flowed for a second, the child collects garbage and reads
// runtime.MemStats.HeapInuse (median of three readings). bytes-per-peer is
// the least-squares slope of HeapInuse over the peer count. All sessions
// use the rtc tests' fake media (1200-byte frames at 30 fps, 80-byte audio
// packets): with encode-once the encoders do not grow with peers.
func BenchmarkMemoryPerPeer(b *testing.B) {
	var slope, first float64
	for range b.N {
		heaps := measureHeapPerPeer(b)
		b.Logf("HeapInuse with 0..%d peers: %v", memMaxPeers, heaps)
		slope += fitSlope(heaps[1:], 1)
		first += float64(heaps[1]) - float64(heaps[0])
	}
	b.ReportMetric(slope/float64(b.N), "bytes-per-peer")
	b.ReportMetric(first/float64(b.N), "first-peer-bytes")
}

// memMsg is what the memory child and the benchmark exchange.
type memMsg struct {
	Peers     int    `json:"peers"`               // measure with this many connected
	HeapInuse uint64 `json:"heapInuse,omitempty"` // the answer
}

// measureHeapPerPeer returns the child session's HeapInuse with 0 to
// memMaxPeers remote peers connected.
func measureHeapPerPeer(b *testing.B) []uint64 {
	b.Helper()
	url := benchServer(b)
	child, err := benchproc.Start("TestMemoryPerPeerHelper", "memory", memURLEnv+"="+url)
	if err != nil {
		b.Fatal(err)
	}
	var peers []*benchPeer
	defer func() {
		if err := child.Stop(15 * time.Second); err != nil {
			b.Error(err)
		}
		for _, p := range peers {
			p.stop(b)
		}
	}()
	measure := func(n int) uint64 {
		if err := child.Send(memMsg{Peers: n}); err != nil {
			b.Fatal(err)
		}
		var m memMsg
		if err := child.Recv(&m, 60*time.Second); err != nil {
			b.Fatal(err)
		}
		return m.HeapInuse
	}
	heaps := []uint64{measure(0)}
	for i := range memMaxPeers {
		peers = append(peers, startBenchPeer(url, "mem", fmt.Sprintf("peer%d", i)))
		heaps = append(heaps, measure(i+1))
	}
	return heaps
}

// benchPeer is a session run by a benchmark, its actions discarded.
type benchPeer struct {
	s      *Session
	media  *fakeMedia
	runErr chan error
	done   chan struct{}
}

// startBenchPeer joins room as name with fake media.
func startBenchPeer(url, room, name string) *benchPeer {
	media := newFakeMedia()
	p := &benchPeer{s: New(testConfig(url, room, name, media)), media: media, runErr: make(chan error, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for range p.s.Actions() {
		}
	}()
	go func() { p.runErr <- p.s.Run(context.Background()) }()
	return p
}

// stop hangs up and releases the peer's media.
func (p *benchPeer) stop(tb testing.TB) {
	if err := p.s.Close(); err != nil {
		tb.Error(err)
	}
	if err := <-p.runErr; err != nil {
		tb.Error(err)
	}
	<-p.done
	_ = p.media.Close()
}

// fitSlope is the least-squares slope of ys over x = x0, x0+1, ...
func fitSlope(ys []uint64, x0 int) float64 {
	n := float64(len(ys))
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(x0 + i)
		sx += x
		sy += float64(y)
		sxx += x * x
		sxy += x * float64(y)
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestMemoryPerPeerHelper is the measured session of
// BenchmarkMemoryPerPeer; run directly it skips.
func TestMemoryPerPeerHelper(t *testing.T) {
	if benchproc.Mode() == "" {
		t.Skip("child process of BenchmarkMemoryPerPeer")
	}
	// Exit here rather than return: the parent reads the figures, not the
	// test framework's verdict.
	if err := runMemoryChild(os.Getenv(memURLEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "memory child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runMemoryChild joins the call and answers each request with the heap in
// use once the requested number of peers is connected, until the parent
// closes stdin.
func runMemoryChild(url string) error {
	parent := benchproc.Connect()
	media := newFakeMedia()
	s := New(testConfig(url, "mem", "measured", media))
	var mu sync.Mutex
	state := store.New()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for a := range s.Actions() {
			mu.Lock()
			state = store.Reduce(state, a)
			mu.Unlock()
		}
	}()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	defer func() {
		_ = s.Close()
		<-runErr
		<-drained
		_ = media.Close()
	}()
	ready := func(n int) bool {
		mu.Lock()
		defer mu.Unlock()
		return state.Signaling.Status == store.SignalingConnected && state.LocalStream != nil &&
			store.SelectConnectedCount(state) == n && len(state.Connections) == n
	}
	for {
		var req memMsg
		if err := parent.Recv(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		deadline := time.Now().Add(30 * time.Second)
		for !ready(req.Peers) {
			if time.Now().After(deadline) {
				return fmt.Errorf("%d peers not connected within 30 s", req.Peers)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second) // let buffers and stats fill up
		var readings []uint64
		for range 3 {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			readings = append(readings, ms.HeapInuse)
			time.Sleep(200 * time.Millisecond)
		}
		slices.Sort(readings)
		if err := parent.Send(memMsg{Peers: req.Peers, HeapInuse: readings[1]}); err != nil {
			return err
		}
	}
}
