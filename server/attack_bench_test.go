package server

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// attackConns is the issue-15 attack: this many WebSockets that never join.
// Each costs two descriptors here (client and server end in one process);
// with ulimit -n 20000 the full 8000 fit.
const attackConns = 8000

// BenchmarkRelayUnderAttack reports the p99 one-way latency of a control
// pair while other clients attack: none; 8000 unjoined connections against
// the default limits; the same against a server without global limits (the
// old behaviour); and one client sending 60 KB frames as fast as the server
// reads them. It also reports how many attack connections were held open
// and the heap+stack growth of this process (client and server together).
// During the unjoined runs 4 more clients keep dialling and hanging up.
func BenchmarkRelayUnderAttack(b *testing.B) {
	unlimited := Config{MaxConns: 1 << 30, MaxUnjoined: 1 << 30, MaxUnjoinedPerIP: 1 << 30}
	for _, bc := range []struct {
		name   string
		cfg    Config
		attack func(b *testing.B, ts *testServer) (held int)
	}{
		{"none", Config{}, nil},
		{"unjoined-8000-limited", Config{}, unjoinedAttack},
		{"unjoined-8000-unlimited", unlimited, unjoinedAttack},
		{"60KB-flood", Config{}, floodAttack},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := bc.cfg
			cfg.JoinTimeout = time.Hour // the attack holds its sockets for the whole run
			cfg.JoinRate, cfg.JoinBurst = 1e6, 1e6
			ts := newTestServer(b, cfg)
			a, c := dial(b, ts.url), dial(b, ts.url)
			a.join("control", "A")
			c.join("control", "B")
			expect[*signal.PeerJoined](a)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			held := 0
			if bc.attack != nil {
				held = bc.attack(b, ts)
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			goroutines := runtime.NumGoroutine() - g0
			memMB := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / (1 << 20)

			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				f, _ := signal.Encode(signal.Offer{To: c.peerID, SDP: "v=0 " + strconv.Itoa(i)})
				t0 := time.Now()
				if err := a.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
					b.Fatal(err)
				}
				expect[*signal.Offer](c)
				lat = append(lat, time.Since(t0))
				if i%2 == 1 { // stay inside the control pair's own message rate
					time.Sleep(20 * time.Millisecond)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			reportLatency(b, lat, elapsed)
			b.ReportMetric(float64(held), "attack-conns-held")
			b.ReportMetric(float64(goroutines), "goroutines-added")
			b.ReportMetric(memMB, "heap+stack-MB-added")
		})
	}
}

// unjoinedAttack opens attackConns WebSockets that never send a frame and
// returns how many the server accepted.
func unjoinedAttack(b *testing.B, ts *testServer) int {
	var held atomic.Int64
	var mu sync.Mutex
	var conns []*websocket.Conn
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for range 32 {
		wg.Go(func() {
			for range jobs {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				ws, _, err := websocket.Dial(ctx, ts.url, nil)
				cancel()
				if err != nil {
					continue // refused (503/429) or out of descriptors
				}
				held.Add(1)
				mu.Lock()
				conns = append(conns, ws)
				mu.Unlock()
			}
		})
	}
	for range attackConns {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	// While the control pair is measured, keep knocking: 4 dialers retry
	// all the time, as an attacker whose sockets were refused would.
	stop := make(chan struct{})
	var churn sync.WaitGroup
	for range 4 {
		churn.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				ws, _, err := websocket.Dial(ctx, ts.url, nil)
				cancel()
				if err == nil {
					ws.CloseNow()
				}
			}
		})
	}
	b.Cleanup(func() {
		close(stop)
		churn.Wait()
		for _, ws := range conns {
			ws.CloseNow()
		}
	})
	return int(held.Load())
}

// floodAttack joins a pair in another room and has one of them send 60 KB
// offers to the other as fast as the server reads them.
func floodAttack(b *testing.B, ts *testServer) int {
	f, g := dial(b, ts.url), dial(b, ts.url)
	f.join("flood", "F")
	g.join("flood", "G")
	go func() {
		for range g.msgs {
		}
	}()
	frame, _ := signal.Encode(signal.Offer{To: g.peerID, SDP: strings.Repeat("x", 60_000)})
	var wg sync.WaitGroup
	wg.Go(func() {
		for f.ws.Write(context.Background(), websocket.MessageText, frame) == nil {
		}
	})
	b.Cleanup(func() {
		f.ws.CloseNow()
		wg.Wait()
	})
	return 1
}
