package rtc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startServer runs a signaling server on a loopback port for one test and
// returns its ws:// URL.
func startServer(t *testing.T) string {
	t.Helper()
	return testkit.StartServer(t, server.Config{Logger: discardLogger()}).WS
}

// member is one running session with the state its actions build.
type member struct {
	name    string
	s       *Session
	media   *fakeMedia
	mu      sync.Mutex
	state   store.State
	runErr  chan error
	drained chan struct{}
	notices []store.ServerNotice
}

// sawNotice reports whether the member was shown a server notice.
func (m *member) sawNotice() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.notices) > 0
}

func (m *member) snapshot() store.State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

func testConfig(url, room, name string, media *fakeMedia) Config {
	return Config{
		Signal:       signal.ClientConfig{URL: url, Join: signal.Join{Room: room, UserName: name}},
		OpenMedia:    fakeOpener(media),
		NetworkTypes: []webrtc.NetworkType{webrtc.NetworkTypeUDP4},
		Logger:       discardLogger(),
	}
}

func startMember(t *testing.T, cfg Config, media *fakeMedia) *member {
	t.Helper()
	m := &member{name: cfg.Signal.Join.UserName, s: New(cfg), media: media, state: store.New(), runErr: make(chan error, 1), drained: make(chan struct{})}
	go func() {
		defer close(m.drained)
		for a := range m.s.Actions() {
			m.mu.Lock()
			m.state = store.Reduce(m.state, a)
			if n, ok := a.(store.ServerNotice); ok {
				m.notices = append(m.notices, n)
			}
			m.mu.Unlock()
		}
	}()
	go func() { m.runErr <- m.s.Run(context.Background()) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

func (m *member) stop(t *testing.T) {
	_ = m.s.Close()
	select {
	case err := <-m.runErr:
		if err != nil {
			t.Errorf("%s: Run: %v", m.name, err)
		}
		m.runErr <- nil
	case <-time.After(15 * time.Second):
		t.Errorf("%s: Run did not return after Close", m.name)
	}
	<-m.drained
	_ = m.media.Close()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, d, what, cond)
}

func allConnected(ms []*member) func() bool {
	return func() bool {
		for _, m := range ms {
			s := m.snapshot()
			if store.SelectConnectedCount(s) != len(ms)-1 {
				return false
			}
		}
		return true
	}
}

// statsOf collects stats twice (the first sample sets the baseline).
func statsOf(t *testing.T, m *member, peerID string, gap time.Duration) store.Stats {
	t.Helper()
	if _, err := m.s.CollectStats(context.Background(), peerID); err != nil {
		t.Fatalf("%s: stats: %v", m.name, err)
	}
	time.Sleep(gap)
	st, err := m.s.CollectStats(context.Background(), peerID)
	if err != nil {
		t.Fatalf("%s: stats: %v", m.name, err)
	}
	return st
}

func peerIDOf(m *member) string { return m.snapshot().Signaling.PeerID }

func TestThreeWayCall(t *testing.T) {
	url := startServer(t)
	var ms []*member
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		media := newFakeMedia()
		ms = append(ms, startMember(t, testConfig(url, "room1", name, media), media))
	}
	// The connections should come up within 3 s; the deadline is generous
	// so a loaded machine does not fail the test, and the benchmark keeps
	// the real figure.
	waitFor(t, 20*time.Second, "every pair connected", allConnected(ms))

	// Media flows both ways on every pair.
	for _, m := range ms {
		for _, c := range store.SelectConnections(m.snapshot()) {
			st := statsOf(t, m, c.PeerID, 700*time.Millisecond)
			if st.RecvKbps <= 0 || st.SendKbps <= 0 || st.FramesPerSecond <= 0 {
				t.Errorf("%s ← %s: recv %.0f kbps, send %.0f kbps, %.1f fps", m.name, c.UserName, st.RecvKbps, st.SendKbps, st.FramesPerSecond)
			}
			if st.Width != 320 || st.Height != 240 || st.VideoCodec != "VP8" || st.AudioCodec != "opus" {
				t.Errorf("%s ← %s: %dx%d %s/%s", m.name, c.UserName, st.Width, st.Height, st.VideoCodec, st.AudioCodec)
			}
			if st.Route.String() != "host/udp" {
				t.Errorf("%s ← %s: route %q", m.name, c.UserName, st.Route.String())
			}
		}
	}
	// Each end knows both fingerprints, crosswise equal.
	a, b := ms[0].snapshot().Connections[peerIDOf(ms[1])], ms[1].snapshot().Connections[peerIDOf(ms[0])]
	if a.Fingerprint == "" || a.Fingerprint != b.LocalFingerprint || b.Fingerprint != a.LocalFingerprint {
		t.Errorf("fingerprints do not match crosswise: %q/%q vs %q/%q", a.LocalFingerprint, a.Fingerprint, b.LocalFingerprint, b.Fingerprint)
	}

	// A peer leaving is removed from everyone's state.
	ms[2].stop(t)
	gone := peerIDOf(ms[2])
	waitFor(t, 10*time.Second, "peer-left applied", func() bool {
		for _, m := range ms[:2] {
			if _, ok := m.snapshot().Connections[gone]; ok {
				return false
			}
		}
		return true
	})
}

func TestMuteStopsAudioBytes(t *testing.T) {
	url := startServer(t)
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, testConfig(url, "mute", "A", ma), ma)
	b := startMember(t, testConfig(url, "mute", "B", mb), mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	// Video off too, so the receive rate is audio alone.
	if err := a.s.SetVideo(false); err != nil {
		t.Fatal(err)
	}
	idA := peerIDOf(a)
	waitFor(t, 10*time.Second, "B sees A's camera off", func() bool {
		c := b.snapshot().Connections[idA]
		return c.Media.Known && !c.Media.Video && c.Media.Audio
	})
	if st := statsOf(t, b, idA, time.Second); st.RecvKbps < 10 {
		t.Fatalf("audio only: B receives %.1f kbps from A, want audio", st.RecvKbps)
	}
	if err := a.s.SetAudio(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "B sees A muted", func() bool { return !b.snapshot().Connections[idA].Media.Audio })
	// Only RTCP-free media counts; allow for packets in flight at the switch.
	statsOf(t, b, idA, 300*time.Millisecond)
	if st := statsOf(t, b, idA, time.Second); st.RecvKbps > 1 {
		t.Fatalf("muted: B still receives %.1f kbps from A", st.RecvKbps)
	}
	if err := a.s.SetAudio(true); err != nil {
		t.Fatal(err)
	}
	if st := statsOf(t, b, idA, time.Second); st.RecvKbps < 10 {
		t.Fatalf("unmuted: B receives %.1f kbps from A", st.RecvKbps)
	}
	if err := a.s.SetVideo(true); err != nil {
		t.Fatal(err)
	}
	if st := statsOf(t, b, idA, time.Second); st.FramesPerSecond < 5 {
		t.Fatalf("video back on: %.1f fps", st.FramesPerSecond)
	}
}

func TestStatsForUnknownPeer(t *testing.T) {
	s := New(Config{Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws"}})
	if _, err := s.CollectStats(context.Background(), "nobody"); err == nil {
		t.Fatal("stats for an unknown peer succeeded")
	}
	if err := s.Retry("nobody"); err == nil {
		t.Fatal("retry of an unknown peer succeeded")
	}
	_ = s.Close()
}

func TestStreamEndedIsReported(t *testing.T) {
	url := startServer(t)
	media := newFakeMedia()
	m := startMember(t, testConfig(url, "ended", "A", media), media)
	waitFor(t, 10*time.Second, "media ready", func() bool { return m.snapshot().LocalStream != nil })
	audioOnly := store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: "fake tone", Synthetic: true}}}
	media.events <- store.MediaEvent{Kind: store.MediaStreamEnded, Track: "video", Err: fmt.Errorf("camera: %w", errors.New("Stream Ended")), Stream: audioOnly}
	waitFor(t, 10*time.Second, "stream change in the state", func() bool {
		s := m.snapshot()
		_, hasVideo := s.LocalStream.Track("video")
		return !hasVideo && strings.Contains(s.Error, "Stream Ended")
	})
}

// TestReceiveOnlyWhenMediaFails: a participant whose media cannot start at
// all still joins and receives the others.
func TestReceiveOnlyWhenMediaFails(t *testing.T) {
	url := startServer(t)
	cfgA := testConfig(url, "recvonly", "A", nil)
	cfgA.OpenMedia = func(context.Context) (LocalMedia, error) { return nil, errors.New("no devices at all") }
	mb := newFakeMedia()
	a := startMember(t, cfgA, newFakeMedia())
	b := startMember(t, testConfig(url, "recvonly", "B", mb), mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	if st := statsOf(t, a, peerIDOf(b), 700*time.Millisecond); st.RecvKbps <= 0 {
		t.Fatalf("receive-only participant gets %.1f kbps", st.RecvKbps)
	}
	if !strings.Contains(a.snapshot().Error, "Media Not Available") {
		t.Fatalf("error %q does not say media is not available", a.snapshot().Error)
	}
	if m := b.snapshot().Connections[peerIDOf(a)].Media; m.Audio || m.Video {
		t.Fatalf("B thinks A sends media: %+v", m)
	}
}

// TestMediaStateFollowsSlowMedia: media that becomes ready after the join
// is announced once ready, so the others do not think the camera is off.
func TestMediaStateFollowsSlowMedia(t *testing.T) {
	url := startServer(t)
	release := make(chan struct{})
	slow := newFakeMedia()
	cfgA := testConfig(url, "slow", "A", slow)
	cfgA.OpenMedia = func(ctx context.Context) (LocalMedia, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return slow, nil
	}
	mb := newFakeMedia()
	b := startMember(t, testConfig(url, "slow", "B", mb), mb)
	waitFor(t, 10*time.Second, "B joined", func() bool { return peerIDOf(b) != "" })
	a := startMember(t, cfgA, slow)
	waitFor(t, 10*time.Second, "B sees A", func() bool { return len(b.snapshot().Connections) == 1 })
	close(release)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	waitFor(t, 10*time.Second, "B sees A's camera and mic on", func() bool {
		m := b.snapshot().Connections[peerIDOf(a)].Media
		return m.Known && m.Audio && m.Video
	})
}
