package lkengine

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/store"
)

// Test media: encode-once tracks fed with frames that look like VP8 to the
// SFU (key frames with a real frame header, so it forwards and we read the
// size) and Opus silence, at 30 and 50 frames a second.
const (
	fakeWidth, fakeHeight = 320, 240
	fakeFPS               = 30
)

type fakeMedia struct {
	audio, video             *webrtc.TrackLocalStaticSample
	audioOn, videoOn, screen atomic.Bool
	keyFrame                 atomic.Bool
	stop                     chan struct{}
	done                     chan struct{}
	closeOnce                sync.Once
	videoFrames, audioFrames atomic.Int64
}

func newFakeMedia(t testing.TB, name string) *fakeMedia {
	t.Helper()
	v, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", name)
	if err != nil {
		t.Fatal(err)
	}
	a, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", name)
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMedia{audio: a, video: v, stop: make(chan struct{}), done: make(chan struct{})}
	m.audioOn.Store(true)
	m.videoOn.Store(true)
	go m.run()
	return m
}

func (m *fakeMedia) run() {
	defer close(m.done)
	at := time.NewTicker(20 * time.Millisecond)
	vt := time.NewTicker(time.Second / fakeFPS)
	defer at.Stop()
	defer vt.Stop()
	silence := []byte{0xf8, 0xff, 0xfe}
	n := 0
	for {
		select {
		case <-m.stop:
			return
		case <-at.C:
			if m.audioOn.Load() {
				_ = m.audio.WriteSample(media.Sample{Data: silence, Duration: 20 * time.Millisecond})
				m.audioFrames.Add(1)
			}
		case <-vt.C:
			if !m.videoOn.Load() {
				continue
			}
			key := n%fakeFPS == 0 || m.keyFrame.Swap(false)
			n++
			_ = m.video.WriteSample(media.Sample{Data: fakeVP8(key, n), Duration: time.Second / fakeFPS})
			m.videoFrames.Add(1)
		}
	}
}

// fakeVP8 is a frame with a valid VP8 frame tag (and key-frame header):
// enough for the SFU, which never decodes.
func fakeVP8(key bool, n int) []byte {
	if !key {
		f := make([]byte, 600)
		f[0] = 0x11 // inter frame, shown
		f[1] = byte(n)
		return f
	}
	f := make([]byte, 1800) // two RTP packets
	f[0] = 0x10             // key frame, shown
	f[3], f[4], f[5] = 0x9d, 0x01, 0x2a
	f[6], f[7] = byte(fakeWidth&0xff), byte(fakeWidth>>8)
	f[8], f[9] = byte(fakeHeight), byte(fakeHeight>>8)
	return f
}

func (m *fakeMedia) Description() store.LocalStream {
	return store.LocalStream{Tracks: []store.Track{
		{Kind: "audio", Label: "test tone", Synthetic: true},
		{Kind: "video", Label: "test pattern", Synthetic: true},
	}}
}
func (m *fakeMedia) AudioTrack() *webrtc.TrackLocalStaticSample { return m.audio }
func (m *fakeMedia) VideoTrack() *webrtc.TrackLocalStaticSample { return m.video }
func (m *fakeMedia) SetAudioEnabled(on bool)                    { m.audioOn.Store(on) }
func (m *fakeMedia) SetVideoEnabled(on bool)                    { m.videoOn.Store(on) }
func (m *fakeMedia) StartScreenShare() error                    { m.screen.Store(true); return nil }
func (m *fakeMedia) StopScreenShare() error                     { m.screen.Store(false); return nil }
func (m *fakeMedia) ScreenSharing() bool                        { return m.screen.Load() }
func (m *fakeMedia) RequestKeyFrame()                           { m.keyFrame.Store(true) }
func (m *fakeMedia) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

// countSink counts the remote packets per peer; it serves as both sinks.
type countSink struct {
	mu      sync.Mutex
	packets map[string]int
	removed map[string]int
}

func newCountSink() *countSink {
	return &countSink{packets: map[string]int{}, removed: map[string]int{}}
}

func (s *countSink) Push(peerID string, _ *rtp.Packet) {
	s.mu.Lock()
	s.packets[peerID]++
	s.mu.Unlock()
}
func (s *countSink) Level(string) float64 { return 0 }
func (s *countSink) RemovePeer(peerID string) {
	s.mu.Lock()
	s.removed[peerID]++
	s.mu.Unlock()
}
func (s *countSink) count(peerID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.packets[peerID]
}
func (s *countSink) removedCount(peerID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removed[peerID]
}

// watcher reduces an engine's actions into a state, as the UI does.
type watcher struct {
	mu      sync.Mutex
	state   store.State
	actions []store.Action
	done    chan struct{}
}

func watch(e *Engine) *watcher {
	w := &watcher{state: store.New(), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for a := range e.Actions() {
			w.mu.Lock()
			w.state = store.Reduce(w.state, a)
			w.actions = append(w.actions, a)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *watcher) snapshot() (store.State, []store.Action) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state, append([]store.Action(nil), w.actions...)
}

// waitFor polls until cond holds; the timeout only bounds a broken run.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peerIs reports whether w's state has peer id with status st.
func (w *watcher) peerIs(id string, st store.Status) bool {
	s, _ := w.snapshot()
	c, ok := s.Connections[id]
	return ok && c.Status == st
}

func (w *watcher) peer(id string) (store.Connection, bool) {
	s, _ := w.snapshot()
	c, ok := s.Connections[id]
	return c, ok
}

// participant is an engine under test with its media, sinks and actions.
type participant struct {
	e      *Engine
	media  *fakeMedia
	audio  *countSink
	video  *countSink
	w      *watcher
	runErr chan error
}

// joinEngine starts an engine for identity in room on url.
func joinEngine(t testing.TB, url, room, identity string) *participant {
	t.Helper()
	return joinEngineWith(t, url, room, identity, nil)
}

// joinEngineWith is joinEngine with a change to the media before the
// engine opens it.
func joinEngineWith(t testing.TB, url, room, identity string, prepare func(*fakeMedia)) *participant {
	t.Helper()
	p := &participant{media: newFakeMedia(t, identity), audio: newCountSink(), video: newCountSink(), runErr: make(chan error, 1)}
	cfg := Config{
		URL: url, Room: room, Identity: identity, APIKey: testKey, APISecret: testSecret,
		OpenMedia:  func(context.Context) (LocalMedia, error) { return p.media, nil },
		Audio:      p.audio,
		Video:      p.video,
		VideoWidth: fakeWidth, VideoHeight: fakeHeight,
		Logger: testLogger(),
	}
	if prepare != nil {
		prepare(p.media)
	}
	p.e = New(cfg)
	p.w = watch(p.e)
	go func() { p.runErr <- p.e.Run(t.Context()) }()
	t.Cleanup(func() { p.leave(t) })
	return p
}

// leave closes the engine and checks Run ended cleanly.
func (p *participant) leave(t testing.TB) {
	if p.e == nil {
		return
	}
	if err := p.e.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := <-p.runErr; err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("run: %v", err)
	}
	<-p.w.done
	_ = p.media.Close()
	p.e = nil
}

// testLogger writes the engine's and SDK's logs to stderr when
// LKENGINE_TEST_LOG is set, for debugging a failing run.
func testLogger() *slog.Logger {
	if os.Getenv("LKENGINE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
