package rtc

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/store"
)

// BenchmarkJoinToConnected measures how long a participant waits from the
// start of Session.Run until it sees every other participant connected,
// for calls of 2, 4 and 8 on loopback.
//
// One op is one call: N sessions with the rtc tests' fake media (so no
// encoder competes for the CPU) start at the same moment against an
// in-process signaling server, the worst case for the server and the
// negotiation; each session contributes one sample. Only the joining is
// timed (ns/op is the time until the last session is connected), not the
// hang-up. p50-ms and p95-ms are over all samples of all ops.
func BenchmarkJoinToConnected(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			url := benchServer(b)
			var samples []time.Duration
			for i := range b.N {
				samples = append(samples, joinCall(b, url, fmt.Sprintf("join-%d-%d", n, i), n)...)
			}
			slices.Sort(samples)
			b.ReportMetric(ms(percentile(samples, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(samples, 95)), "p95-ms")
			b.ReportMetric(float64(len(samples)), "samples")
		})
	}
}

// joinCall starts n sessions in room at once and returns, per session, the
// time from Run until it had n-1 peers connected. It stops the benchmark
// timer while hanging up.
func joinCall(b *testing.B, url, room string, n int) []time.Duration {
	b.Helper()
	type joiner struct {
		s      *Session
		media  *fakeMedia
		runErr chan error         // Run's result
		done   chan error         // closed once every action was read
		took   chan time.Duration // time to n-1 peers connected
	}
	js := make([]*joiner, n)
	for i := range js {
		media := newFakeMedia()
		j := &joiner{s: New(testConfig(url, room, fmt.Sprintf("p%d", i), media)), media: media,
			runErr: make(chan error, 1), done: make(chan error, 1), took: make(chan time.Duration, 1)}
		js[i] = j
	}
	var start sync.WaitGroup
	start.Add(1)
	for _, j := range js {
		go func() {
			start.Wait()
			t0 := time.Now()
			go func() {
				state, seen := store.New(), false
				for a := range j.s.Actions() {
					state = store.Reduce(state, a)
					if !seen && store.SelectConnectedCount(state) == n-1 {
						seen = true
						j.took <- time.Since(t0)
					}
				}
				close(j.done)
			}()
			j.runErr <- j.s.Run(context.Background())
		}()
	}
	start.Done()

	var took []time.Duration
	deadline := time.After(30 * time.Second)
	for _, j := range js {
		select {
		case d := <-j.took:
			took = append(took, d)
		case <-deadline:
			b.Errorf("%s: not every session saw %d peers connected within 30 s", room, n-1)
		}
	}
	b.StopTimer()
	var wg sync.WaitGroup
	for _, j := range js {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.s.Close(); err != nil {
				b.Error(err)
			}
			if err := <-j.runErr; err != nil {
				b.Error(err)
			}
			<-j.done
			_ = j.media.Close()
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	b.StartTimer()
	return took
}

// benchServer runs a signaling server on a loopback port until the
// benchmark (or test) ends, and returns its WebSocket URL.
func benchServer(tb testing.TB) string {
	tb.Helper()
	return testkit.StartServer(tb, server.Config{Logger: discardLogger()}).WS
}

// percentile returns the p-th percentile (nearest rank) of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms converts d to fractional milliseconds for ReportMetric.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
