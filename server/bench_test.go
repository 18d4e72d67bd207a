package server

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// BenchmarkRelay measures one-way relay latency on loopback: A sends an
// offer to B through the server, one at a time, and the time until B has
// read and decoded it is recorded. Reports p50/p99 in microseconds and the
// resulting messages per second (one in flight).
func BenchmarkRelay(b *testing.B) {
	a, c := benchPair(b, Config{})
	frame := func(i int) []byte {
		f, _ := signal.Encode(signal.Offer{To: c.peerID, SDP: "v=0 " + strconv.Itoa(i)})
		return f
	}
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		f := frame(i)
		t0 := time.Now()
		if err := a.ws.Write(ctx, websocket.MessageText, f); err != nil {
			b.Fatal(err)
		}
		expect[*signal.Offer](c)
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, lat, elapsed)
}

// BenchmarkRelayThroughput keeps up to 64 offers in flight from A to B and
// reports messages per second.
func BenchmarkRelayThroughput(b *testing.B) {
	a, c := benchPair(b, Config{SendQueue: 1024})
	const window = 64
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	f, _ := signal.Encode(signal.Offer{To: c.peerID, SDP: "v=0 throughput"})
	errc := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() {
		for i := 0; i < b.N; i++ {
			<-credits
			if err := a.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < b.N; i++ {
		expect[*signal.Offer](c)
		credits <- struct{}{}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func benchPair(b *testing.B, cfg Config) (a, c *tclient) {
	cfg.MessageRate, cfg.MessageBurst = 1e9, 1e9
	ts := newTestServer(b, cfg)
	a, c = dial(b, ts.url), dial(b, ts.url)
	a.join("bench", "A")
	c.join("bench", "B")
	expect[*signal.PeerJoined](a)
	return a, c
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
}
