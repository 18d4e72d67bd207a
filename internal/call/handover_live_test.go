package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/store"
)

// Ports of the LiveKit nodes these tests run (in this package's own
// network namespace): one up from the start, two started mid-test.
const (
	lkHTTP, lkUDP           = 7880, 7882
	lkLateHTTP, lkLateUDP   = 7890, 7892
	lkRetryHTTP, lkRetryUDP = 7900, 7902
)

// liveWait is the generous deadline of the handover tests' conditions.
const liveWait = 90 * time.Second

// packetLog records when each peer's packets reached a sink.
type packetLog struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func newPacketLog() *packetLog { return &packetLog{times: map[string][]time.Time{}} }

func (l *packetLog) Push(peer string, _ *rtp.Packet) {
	l.mu.Lock()
	l.times[peer] = append(l.times[peer], time.Now())
	l.mu.Unlock()
}
func (l *packetLog) RemovePeer(string)     {}
func (l *packetLog) Level(string) float64  { return 0 }
func (l *packetLog) count(peer string) int { return len(l.since(peer, time.Time{})) }
func (l *packetLog) since(peer string, t time.Time) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Time
	for _, at := range l.times[peer] {
		if at.After(t) {
			out = append(out, at)
		}
	}
	return out
}

// maxGap is the longest pause between two of peer's packets in [from,
// to], and when it began.
func (l *packetLog) maxGap(peer string, from, to time.Time) (time.Duration, time.Time) {
	var gap time.Duration
	var prev, at0 time.Time
	for _, at := range l.since(peer, from) {
		if at.After(to) {
			break
		}
		if !prev.IsZero() && at.Sub(prev) > gap {
			gap, at0 = at.Sub(prev), prev
		}
		prev = at
	}
	return gap, at0
}

// stallWatch measures how late this process runs a 10 ms ticker: every
// member of these tests shares the process, so a stall of the process (a
// loaded machine, the race detector) pauses everyone's media at once, and
// is no fault of the switch.
type stallWatch struct {
	log  *packetLog
	stop chan struct{}
	done chan struct{}
}

func startStallWatch() *stallWatch {
	w := &stallWatch{log: newPacketLog(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				w.log.Push("tick", nil)
			}
		}
	}()
	return w
}

// stall is the process's longest pause in [from, to] beyond the tick.
func (w *stallWatch) stall(from, to time.Time) time.Duration {
	g, _ := w.log.maxGap("tick", from, to)
	return max(g-10*time.Millisecond, 0)
}

func (w *stallWatch) close() { close(w.stop); <-w.done }

// liveMember is one in-process terminal: a handover engine with synthetic
// media, its actions folded into a state, its received packets logged.
type liveMember struct {
	name   string
	h      *handover
	audio  *packetLog
	video  *packetLog
	runErr chan error

	mu       sync.Mutex
	state    store.State
	actions  []store.Action
	notices  []store.ServerNotice
	switched time.Time // when SwitchedToSFU arrived
	peerIDs  []string  // every peer id the signaling reported for us
	drained  chan struct{}
}

func startLiveMember(t *testing.T, url, room, name string, log *slog.Logger) *liveMember {
	t.Helper()
	cfg := Config{ServerURL: url, Room: room, Name: name, Logger: log,
		Media: Media{Fake: true, Width: 160, Height: 120, FPS: 15, VideoBitrateKbps: 150}}
	m := &liveMember{name: name, audio: newPacketLog(), video: newPacketLog(), runErr: make(chan error, 1), state: store.New(), drained: make(chan struct{})}
	dcfg := deviceConfig(cfg, log)
	m.h = newHandover(cfg, handoverSinks{Audio: m.audio, Level: m.audio, Video: m.video},
		func(ctx context.Context) (*devices.Media, error) { return devices.Open(ctx, dcfg) })
	go func() {
		defer close(m.drained)
		for a := range m.h.Actions() {
			m.mu.Lock()
			m.state = store.Reduce(m.state, a)
			m.actions = append(m.actions, a)
			switch a := a.(type) {
			case store.ServerNotice:
				m.notices = append(m.notices, a)
			case store.SwitchedToSFU:
				if m.switched.IsZero() {
					m.switched = time.Now()
				}
			case store.UpdateSignaling:
				if id := a.Signaling.PeerID; id != "" && !slices.Contains(m.peerIDs, id) {
					m.peerIDs = append(m.peerIDs, id)
				}
			}
			m.mu.Unlock()
		}
	}()
	go func() { m.runErr <- m.h.Run(context.Background()) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

func (m *liveMember) stop(t *testing.T) {
	_ = m.h.Close()
	select {
	case err := <-m.runErr:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Run: %v", m.name, err)
		}
		m.runErr <- nil
	case <-time.After(liveWait):
		t.Errorf("%s: Run did not return", m.name)
	}
	<-m.drained
}

func (m *liveMember) snapshot() (store.State, time.Time, []store.ServerNotice) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, m.switched, append([]store.ServerNotice(nil), m.notices...)
}

func (m *liveMember) id() string {
	s, _, _ := m.snapshot()
	return s.Signaling.PeerID
}

// removed reports whether any peer row was ever removed.
func (m *liveMember) removed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, a := range m.actions {
		if r, ok := a.(store.RemovePeerConnection); ok {
			out = append(out, r.PeerID)
		}
	}
	return out
}

// meshConnected: every member has every other connected (on the mesh).
func meshConnected(ms []*liveMember) func() bool {
	return func() bool {
		for _, m := range ms {
			s, _, _ := m.snapshot()
			if store.SelectConnectedCount(s) != len(ms)-1 {
				return false
			}
		}
		return true
	}
}

// allOnLiveKit: every member's call runs through LiveKit.
func allOnLiveKit(ms []*liveMember) func() bool {
	return func() bool {
		for _, m := range ms {
			if s, _, _ := m.snapshot(); s.SFU != "LiveKit" {
				return false
			}
		}
		return true
	}
}

// mediaFromAll: every member received audio and video from every other
// after since (nil: at any time) — at least n packets of each.
func mediaFromAll(ms []*liveMember, since func(*liveMember) time.Time, n int) func() bool {
	return func() bool {
		for _, m := range ms {
			from := time.Time{}
			if since != nil {
				from = since(m)
			}
			for _, o := range ms {
				if o == m {
					continue
				}
				if len(m.audio.since(o.id(), from)) < n || len(m.video.since(o.id(), from)) < n {
					return false
				}
			}
		}
		return true
	}
}

// startLiveKitServer runs the signaling server with rooms moving to the
// LiveKit node at url when they reach at.
func startLiveKitServer(t *testing.T, url, secret string, at int) testkit.Server {
	return testkit.StartServer(t, server.Config{
		SFU:    server.LiveKit{URL: url, APIKey: testkit.LiveKitKey, APISecret: secret},
		SFUURL: url, SFUAt: at, Logger: testLog(t),
	})
}

// testLog keeps the logs of a failing test: RTCTERM_TEST_LOG=1 shows them.
func testLog(t *testing.T) *slog.Logger {
	if os.Getenv("RTCTERM_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// TestHandoverGrowsToLiveKit: a mesh of terminals grows from 2 to 5 with
// the switch at 5; every member ends on LiveKit with audio and video from
// every other, with the same peer id and rows (nobody rejoins), audio
// pausing less than a second; a sixth member goes straight to LiveKit.
func TestHandoverGrowsToLiveKit(t *testing.T) {
	node := testkit.StartLiveKitNode(t, lkHTTP, lkUDP, false)
	srv := startLiveKitServer(t, node.URL, testkit.LiveKitSecret, 5)
	log := testLog(t)
	var ms []*liveMember
	for i := 1; i <= 4; i++ {
		ms = append(ms, startLiveMember(t, srv.WS, "grow", fmt.Sprintf("m%d", i), log))
		testkit.Eventually(t, liveWait, fmt.Sprintf("a mesh of %d", i), meshConnected(ms))
	}
	testkit.Eventually(t, liveWait, "mesh media among 4", mediaFromAll(ms, nil, 20))
	// The same measure on the mesh alone, for comparison: five seconds of
	// the steady mesh of four.
	steady := time.Now()
	testkit.Eventually(t, liveWait, "five seconds of the mesh of four", func() bool { return time.Since(steady) > 5*time.Second })
	for _, m := range ms {
		var gaps []string
		for _, o := range ms {
			if o != m {
				ag, _ := m.audio.maxGap(o.id(), steady, time.Now())
				vg, _ := m.video.maxGap(o.id(), steady, time.Now())
				gaps = append(gaps, fmt.Sprintf("%s audio %v video %v", o.name, ag.Round(time.Millisecond), vg.Round(time.Millisecond)))
			}
		}
		t.Logf("%s on the steady mesh: largest gaps from %s", m.name, strings.Join(gaps, "; "))
	}
	for _, m := range ms {
		if s, _, _ := m.snapshot(); s.SFU != "" {
			t.Fatalf("%s is on %s with 4 people", m.name, s.SFU)
		}
	}
	stalls := startStallWatch()
	defer stalls.close()
	before := time.Now()
	ms = append(ms, startLiveMember(t, srv.WS, "grow", "m5", log))
	testkit.Eventually(t, liveWait, "all five switched to LiveKit", func() bool {
		for _, m := range ms {
			if s, at, _ := m.snapshot(); s.SFU != "LiveKit" || at.IsZero() {
				return false
			}
		}
		return true
	})
	switchedAt := func(m *liveMember) time.Time { _, at, _ := m.snapshot(); return at }
	testkit.Eventually(t, liveWait, "media from everyone through LiveKit after the mesh closed", mediaFromAll(ms, switchedAt, 50))
	end := time.Now()
	stall := stalls.stall(before, end)
	t.Logf("the process itself stalled up to %v during the switch (all members share it); gaps below count from m5's join", stall.Round(time.Millisecond))

	for _, m := range ms {
		s, at, _ := m.snapshot()
		var gaps []string
		for _, o := range ms {
			if o == m {
				continue
			}
			if !m.h.audio.moved(o.id()) || !m.h.video.moved(o.id()) {
				t.Errorf("%s: %s's media does not come through LiveKit", m.name, o.name)
			}
			if c := s.Connections[o.id()]; c.Status != store.StatusConnected {
				t.Errorf("%s: row of %s is %s", m.name, o.name, c.Status)
			}
			// m5 joined at the switch: its gaps count from its first packet.
			from := before
			ag, aat := m.audio.maxGap(o.id(), from, end)
			vg, vat := m.video.maxGap(o.id(), from, end)
			ah, vh := m.h.audio.handoverHole(o.id()), m.h.video.handoverHole(o.id())
			gaps = append(gaps, fmt.Sprintf("%s audio %v (at +%v, hole %v) video %v (at +%v, hole %v)", o.name,
				ag.Round(time.Millisecond), aat.Sub(before).Round(100*time.Millisecond), ah.Round(time.Millisecond),
				vg.Round(time.Millisecond), vat.Sub(before).Round(100*time.Millisecond), vh.Round(time.Millisecond)))
			// What the switch itself costs is the hole between the mesh's
			// last packet and LiveKit's first: the wall-clock gaps also
			// hold every stall of this process, in which five terminals
			// share two loaded cores (figures in the log, and README).
			if ah > time.Second {
				t.Errorf("%s: audio from %s had a %v hole at the switch (mesh gone before LiveKit delivered)", m.name, o.name, ah)
			}
		}
		t.Logf("%s (mesh closed %v after m5 joined): largest gaps from %s", m.name, at.Sub(before).Round(time.Millisecond), strings.Join(gaps, "; "))
		if n := len(m.removed()); n != 0 {
			t.Errorf("%s: %d rows removed during the switch: %v", m.name, n, m.removed())
		}
		m.mu.Lock()
		ids := slices.Clone(m.peerIDs)
		m.mu.Unlock()
		if len(ids) != 1 {
			t.Errorf("%s: peer ids %v: it rejoined", m.name, ids)
		}
	}
	// Stats now describe the SFU link: LiveKit's connection quality.
	// (Rates need two samples.)
	var st store.Stats
	testkit.Eventually(t, liveWait, "SFU stats", func() bool {
		var err error
		st, err = ms[0].h.CollectStats(context.Background(), ms[1].id())
		return err == nil && st.Quality != "" && st.RecvKbps > 0
	})

	// A sixth member goes straight to LiveKit: no mesh rows, media both ways.
	late := startLiveMember(t, srv.WS, "grow", "m6", log)
	all := append(slices.Clone(ms), late)
	testkit.Eventually(t, liveWait, "the late joiner on LiveKit", func() bool { s, _, _ := late.snapshot(); return s.SFU == "LiveKit" })
	testkit.Eventually(t, liveWait, "media both ways with the late joiner", mediaFromAll(all, nil, 30))
	late.mu.Lock()
	for _, a := range late.actions {
		if _, ok := a.(store.StorePendingOffer); ok {
			t.Error("the late joiner negotiated a mesh")
		}
	}
	late.mu.Unlock()
	for _, o := range ms {
		if !late.h.audio.moved(o.id()) {
			t.Errorf("late joiner: %s's audio not through LiveKit", o.name)
		}
	}
}

// TestHandoverLiveKitDown: LiveKit down when the room reaches the switch
// point keeps the mesh (media flowing), every member is told why, and
// once LiveKit is up the server's retry moves them. A wrong secret is
// refused by the real server's pre-flight.
func TestHandoverLiveKitDown(t *testing.T) {
	testkit.RequireNamespace(t)
	testkit.LiveKitBinary(t)
	url := fmt.Sprintf("ws://127.0.0.1:%d", lkLateHTTP)
	srv := startLiveKitServer(t, url, testkit.LiveKitSecret, 3)
	log := testLog(t)
	var ms []*liveMember
	for i := 1; i <= 3; i++ {
		ms = append(ms, startLiveMember(t, srv.WS, "down", fmt.Sprintf("d%d", i), log))
	}
	testkit.Eventually(t, liveWait, "every member told LiveKit is unreachable", func() bool {
		for _, m := range ms {
			_, _, ns := m.snapshot()
			if len(ns) == 0 {
				return false
			}
		}
		return true
	})
	for _, m := range ms {
		_, _, ns := m.snapshot()
		if n := ns[0]; n.Level != "warn" || !strings.HasPrefix(n.Message, "staying on the mesh: LiveKit unreachable") || !strings.Contains(n.Message, "retrying in") {
			t.Errorf("%s: notice %+v", m.name, n)
		}
	}
	_, _, ns := ms[0].snapshot()
	t.Logf("%s was told: %s", ms[0].name, ns[0].Message)
	testkit.Eventually(t, liveWait, "the mesh of three", meshConnected(ms))
	now := time.Now()
	testkit.Eventually(t, liveWait, "mesh media while LiveKit is down", mediaFromAll(ms, func(*liveMember) time.Time { return now }, 20))
	for _, m := range ms {
		if s, _, _ := m.snapshot(); s.SFU != "" {
			t.Fatalf("%s moved while LiveKit is down", m.name)
		}
	}

	node := testkit.StartLiveKitNode(t, lkLateHTTP, lkLateUDP, false)
	wrong := server.LiveKit{URL: node.URL, APIKey: testkit.LiveKitKey, APISecret: "wrong-secret-wrong-secret-wrong-secret"}
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := wrong.Preflight(ctx, "rtcterm-down"); !errors.Is(err, server.ErrSFURefused) {
		t.Errorf("pre-flight with a wrong secret: %v, want ErrSFURefused", err)
	}
	testkit.Eventually(t, liveWait, "the retry moved everyone", allOnLiveKit(ms))
	switchedAt := func(m *liveMember) time.Time { _, at, _ := m.snapshot(); return at }
	testkit.Eventually(t, liveWait, "media through LiveKit after the retry", mediaFromAll(ms, switchedAt, 30))
}
