package rtc

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5/vnet"
	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/store"
)

// countingSink counts remote audio packets per peer.
type countingSink struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingSink) Push(peerID string, _ *rtp.Packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[peerID]++
}
func (c *countingSink) Level(string) float64 { return 0 }
func (c *countingSink) RemovePeer(string)    {}
func (c *countingSink) count(peerID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[peerID]
}

// startRateMember runs a session on rate-following media.
func startRateMember(t *testing.T, cfg Config, rm *rateMedia) *member {
	t.Helper()
	cfg.OpenMedia = rateOpener(rm)
	m := &member{name: cfg.Signal.Join.UserName, s: New(cfg), state: store.New(), runErr: make(chan error, 1), drained: make(chan struct{})}
	go func() {
		defer close(m.drained)
		for a := range m.s.Actions() {
			m.mu.Lock()
			m.state = store.Reduce(m.state, a)
			m.mu.Unlock()
		}
	}()
	go func() { m.runErr <- m.s.Run(context.Background()) }()
	t.Cleanup(func() {
		_ = m.s.Close()
		if err := <-m.runErr; err != nil {
			t.Errorf("%s: Run: %v", m.name, err)
		}
		<-m.drained
		_ = rm.Close()
	})
	return m
}

// capResult is what one call across a rate-capped link measured.
type capResult struct {
	TimeToFit      time.Duration // until the link stays clean (≤ 3 % drops, queue ≤ 100 ms) for 3 s
	SteadyDropPct  float64       // link drops over the steady window, both directions
	QueueP95, QMax time.Duration // queueing delay samples over the steady window
	OfferedKbps    [2]float64    // offered to the link per direction (A→B, B→A), steady
	RecvFPS        [2]float64    // video frames per second received by B (from A) and A (from B)
	RecvKbps       [2]float64
	AudioPPS       [2]float64     // audio packets per second received by B and A
	ResendPct      [2]float64     // retransmitted share of what A and B sent
	Paused         [2]bool        // the senders' video paused at the end
	TargetKbps     [2]int         // the senders' last video targets
	Trace          []string       // one line per second: estimates, targets, link
	SenderStats    [2]store.Stats // A's stats of B and B's of A at the end: the send side's figures
}

// runCapped runs a two-party call for dur where A sits behind a link of
// capKbps each way (200 ms drop-tail queue) with 20 ms one-way delay, and
// measures the last steady part of it. It must run inside a synctest
// bubble: the figures are on virtual time.
func runCapped(t *testing.T, capKbps int, dur, steady time.Duration) capResult {
	url, httpClient := startPipeServer(t)
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", MinDelay: 20 * time.Millisecond, LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard}})
	if err != nil {
		t.Fatal(err)
	}
	vA, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	vB, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(vA); err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(vB); err != nil {
		t.Fatal(err)
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	link, err := netsim.NewNetOn(vA, netsim.Link{RateKbps: capKbps, QueueMs: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = link.Close() })

	ma, mb := newRateMedia(800, 30), newRateMedia(800, 30)
	var sinkA, sinkB countingSink
	cfgA := testConfig(url, "cap", "A", nil)
	cfgA.Signal.HTTPClient, cfgA.Net, cfgA.Audio = httpClient, link, &sinkA
	cfgB := testConfig(url, "cap", "B", nil)
	cfgB.Signal.HTTPClient, cfgB.Net, cfgB.Audio = httpClient, vB, &sinkB
	a := startRateMember(t, cfgA, ma)
	b := startRateMember(t, cfgB, mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	idA, idB := peerIDOf(a), peerIDOf(b)
	start := time.Now()

	// Sample the link every 250 ms.
	type sample struct {
		at    time.Duration
		c     netsim.Counters
		queue time.Duration
	}
	var samples []sample
	var traces []string
	var statsStarted atomic.Bool
	var audio0 [2]int
	for time.Since(start) < dur {
		time.Sleep(250 * time.Millisecond)
		c := link.Counters()
		samples = append(samples, sample{at: time.Since(start), c: c, queue: max(c.Out.QueueDelay, c.In.QueueDelay)})
		if n := len(samples); n%4 == 0 {
			p := netsim.Counters{}
			if n > 4 {
				p = samples[n-5].c
			}
			ea, eb := a.s.peerByID(idB).bwe.Load().kbps(), b.s.peerByID(idA).bwe.Load().kbps()
			ta, _ := a.s.adapt.get()
			tb, _ := b.s.adapt.get()
			traces = append(traces, fmt.Sprintf("t=%4.1fs est %4d/%4d target %+v/%+v offered %4.0f/%4.0f kbps drops %d/%d queue %v",
				time.Since(start).Seconds(), ea, eb, ta, tb,
				float64(8*(c.Out.OfferedBytes+28*c.Out.Offered-p.Out.OfferedBytes-28*p.Out.Offered))/1000,
				float64(8*(c.In.OfferedBytes+28*c.In.Offered-p.In.OfferedBytes-28*p.In.Offered))/1000,
				c.Out.QueueDropped-p.Out.QueueDropped, c.In.QueueDropped-p.In.QueueDropped, samples[n-1].queue.Round(time.Millisecond)))
		}
		if !statsStarted.Load() && time.Since(start) >= dur-steady {
			statsStarted.Store(true)
			for _, x := range []struct {
				m    *member
				peer string
			}{{b, idA}, {a, idB}} {
				if _, err := x.m.s.CollectStats(context.Background(), x.peer); err != nil {
					t.Fatal(err)
				}
			}
			audio0 = [2]int{sinkB.count(idA), sinkA.count(idB)}
		}
	}
	var r capResult
	r.Trace = traces
	stB, err := b.s.CollectStats(context.Background(), idA)
	if err != nil {
		t.Fatal(err)
	}
	stA, err := a.s.CollectStats(context.Background(), idB)
	if err != nil {
		t.Fatal(err)
	}
	r.SenderStats = [2]store.Stats{stA, stB}
	r.RecvFPS = [2]float64{stB.FramesPerSecond, stA.FramesPerSecond}
	r.RecvKbps = [2]float64{stB.RecvKbps, stA.RecvKbps}
	secs := steady.Seconds()
	r.AudioPPS = [2]float64{float64(sinkB.count(idA)-audio0[0]) / secs, float64(sinkA.count(idB)-audio0[1]) / secs}
	for i, x := range []struct {
		m    *member
		peer string
		rm   *rateMedia
	}{{a, idB, ma}, {b, idA, mb}} {
		if p := x.m.s.peerByID(x.peer); p != nil {
			if e := p.bwe.Load(); e != nil {
				ps := e.pacer.Stats()
				if ps.SentBytes > 0 {
					r.ResendPct[i] = 100 * float64(ps.ResentBytes) / float64(ps.SentBytes)
				}
			}
		}
		if d, ok := x.m.s.adapt.get(); ok {
			r.Paused[i], r.TargetKbps[i] = d.Paused, d.Kbps
		}
	}

	// Per-second windows: time to fit, then the steady figures.
	wire := func(d netsim.DirectionCounters) float64 { return float64(8 * (d.OfferedBytes + 28*d.Offered)) }
	fits := func(i, j int) bool {
		p, q := samples[i].c, samples[j].c
		off := q.Out.Offered - p.Out.Offered + q.In.Offered - p.In.Offered
		drop := q.Out.QueueDropped - p.Out.QueueDropped + q.In.QueueDropped - p.In.QueueDropped
		if off > 0 && float64(drop) > 0.03*float64(off) {
			return false
		}
		for k := i + 1; k <= j; k++ {
			if samples[k].queue > 100*time.Millisecond {
				return false
			}
		}
		return true
	}
	r.TimeToFit = -1
	for i := 0; i+12 < len(samples); i++ { // 12 samples = 3 s
		ok := true
		for k := i; k < i+12; k += 4 {
			ok = ok && fits(k, k+4)
		}
		if ok {
			r.TimeToFit = samples[i].at - 250*time.Millisecond
			break
		}
	}
	first := len(samples) - int(steady/(250*time.Millisecond)) - 1
	p, q := samples[first].c, samples[len(samples)-1].c
	off := q.Out.Offered - p.Out.Offered + q.In.Offered - p.In.Offered
	drop := q.Out.QueueDropped - p.Out.QueueDropped + q.In.QueueDropped - p.In.QueueDropped
	if off > 0 {
		r.SteadyDropPct = 100 * float64(drop) / float64(off)
	}
	span := (samples[len(samples)-1].at - samples[first].at).Seconds()
	r.OfferedKbps = [2]float64{(wire(q.Out) - wire(p.Out)) / 1000 / span, (wire(q.In) - wire(p.In)) / 1000 / span}
	var queues []time.Duration
	for _, s := range samples[first+1:] {
		queues = append(queues, s.queue)
	}
	slices.Sort(queues)
	r.QueueP95, r.QMax = queues[len(queues)*95/100], queues[len(queues)-1]
	return r
}

// TestCallFitsARateCap: two sessions whose encoders follow their targets
// fit a 600 and a 300 kbps link within 5 s and keep it clean (drops and
// queue within the targets) with bounded retransmissions and moving
// video; at 150 kbps they never flood it and audio goes on. Virtual time:
// the run is exact up to goroutine scheduling, so the margins are about the
// algorithm, not the machine.
func TestCallFitsARateCap(t *testing.T) {
	for _, tc := range []struct {
		capKbps         int
		maxDropPct      float64
		maxQueue        time.Duration
		minFPS, minKbps float64
		mustFit         bool
	}{
		{600, 2, 80 * time.Millisecond, 10, 150, true},
		{300, 3, 100 * time.Millisecond, 5, 70, true},
		{150, 100, time.Second, 0, 0, false}, // audio only is fine; flooding is not
	} {
		t.Run(fmt.Sprintf("%dkbps", tc.capKbps), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := runCapped(t, tc.capKbps, 30*time.Second, 15*time.Second)
				if testing.Verbose() {
					for _, l := range r.Trace {
						t.Log(l)
					}
				}
				r.Trace = nil
				for i, dir := range []string{"A→B", "B→A"} {
					// The send side's stats report its estimate and target.
					st := r.SenderStats[i]
					if st.AvailableSendKbps <= 0 || st.AvailableSendKbps > float64(tc.capKbps)*1.5 {
						t.Errorf("%s: AvailableSendKbps %.0f behind a %d kbps cap", dir, st.AvailableSendKbps, tc.capKbps)
					}
					if st.SendTargetKbps != float64(r.TargetKbps[i]) || st.VideoPaused != r.Paused[i] {
						t.Errorf("%s: stats say target %.0f paused %v, the ladder %d %v", dir, st.SendTargetKbps, st.VideoPaused, r.TargetKbps[i], r.Paused[i])
					}
					if st.LimitedBy != LimitedByBandwidth {
						t.Errorf("%s: LimitedBy %q behind a %d kbps cap", dir, st.LimitedBy, tc.capKbps)
					}
				}
				r.SenderStats = [2]store.Stats{}
				t.Logf("%d kbps: %+v", tc.capKbps, r)
				for i, dir := range []string{"A→B", "B→A"} {
					if r.OfferedKbps[i] > 1.3*float64(tc.capKbps) {
						t.Errorf("%s offered %.0f kbps to a %d kbps link", dir, r.OfferedKbps[i], tc.capKbps)
					}
					if r.AudioPPS[i] < 45 {
						t.Errorf("%s: audio %.1f packets/s, want ~50", dir, r.AudioPPS[i])
					}
					if r.ResendPct[i] > 100*resendShare {
						t.Errorf("%s: %.1f %% of what was sent were retransmissions", dir, r.ResendPct[i])
					}
					if r.RecvFPS[i] < tc.minFPS || r.RecvKbps[i] < tc.minKbps {
						t.Errorf("%s: received %.1f fps, %.0f kbps; want ≥ %.0f fps, ≥ %.0f kbps", dir, r.RecvFPS[i], r.RecvKbps[i], tc.minFPS, tc.minKbps)
					}
				}
				if tc.mustFit && (r.TimeToFit < 0 || r.TimeToFit > 5*time.Second) {
					t.Errorf("time to fit %v, want ≤ 5 s", r.TimeToFit)
				}
				if r.SteadyDropPct > tc.maxDropPct {
					t.Errorf("steady link drops %.1f %%, want ≤ %.0f %%", r.SteadyDropPct, tc.maxDropPct)
				}
				if r.QueueP95 > tc.maxQueue {
					t.Errorf("queue p95 %v, want ≤ %v", r.QueueP95, tc.maxQueue)
				}
			})
		})
	}
}
