package rtc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// rateMedia models the shared encoder as rate control sees it: video
// frames sized to follow SetVideoTarget (bitrate / frame rate, key frames
// three times a delta frame), key frames only when asked (merged within
// 300 ms, as devices does) or every 10 s, nothing while paused, and Opus-like
// 100-byte audio every 20 ms. It implements LocalMedia and RateController.
type rateMedia struct {
	audio, video *webrtc.TrackLocalStaticSample
	maxKbps, fps int

	mu         sync.Mutex
	kbps       int
	curFPS     int
	paused     bool
	keyWanted  bool
	lastKey    time.Time
	lastFrame  time.Time
	targets    []videoTarget // every SetVideoTarget, in order
	keyFrames  atomic.Int64  // key frames written
	keyAsks    atomic.Int64  // RequestKeyFrame calls
	audioOn    atomic.Bool
	stop       chan struct{}
	wg         sync.WaitGroup
	closeOnce  sync.Once
	videoBytes atomic.Int64
}

func newRateMedia(maxKbps, fps int) *rateMedia {
	a, _ := webrtc.NewTrackLocalStaticSample(mediacodec.Opus, "audio", "rtcterm")
	v, _ := webrtc.NewTrackLocalStaticSample(mediacodec.VP8, "video", "rtcterm")
	m := &rateMedia{audio: a, video: v, maxKbps: maxKbps, fps: fps, kbps: maxKbps, curFPS: fps, keyWanted: true, stop: make(chan struct{})}
	m.audioOn.Store(true)
	m.wg.Add(2)
	go m.every(20*time.Millisecond, func(time.Time) {
		if m.audioOn.Load() {
			_ = m.audio.WriteSample(media.Sample{Data: make([]byte, 100), Duration: 20 * time.Millisecond})
		}
	})
	go m.every(time.Second/time.Duration(fps), m.frame)
	return m
}

func (m *rateMedia) every(d time.Duration, fn func(time.Time)) {
	defer m.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			fn(now)
		}
	}
}

// frame writes one frame if the target allows it now.
func (m *rateMedia) frame(now time.Time) {
	m.mu.Lock()
	if m.paused || (!m.lastFrame.IsZero() && now.Sub(m.lastFrame) < time.Second/time.Duration(m.curFPS)*4/5) {
		m.mu.Unlock()
		return
	}
	key := (m.keyWanted && (m.lastKey.IsZero() || now.Sub(m.lastKey) >= 300*time.Millisecond)) || now.Sub(m.lastKey) >= 10*time.Second
	size := max(m.kbps*1000/8/m.curFPS, 40)
	if key {
		size *= 3
		m.keyWanted = false
		m.lastKey = now
	}
	m.lastFrame = now
	m.mu.Unlock()
	data := make([]byte, size)
	if key {
		copy(data, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}) // key frame 320x240
		m.keyFrames.Add(1)
	} else {
		data[0] = 0x01 // inter frame
	}
	m.videoBytes.Add(int64(size))
	_ = m.video.WriteSample(media.Sample{Data: data, Duration: time.Second / time.Duration(m.fps)})
}

func (m *rateMedia) MaxVideo() (int, int) { return m.maxKbps, m.fps }
func (m *rateMedia) SetVideoTarget(kbps, fps int, paused bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.paused && !paused {
		m.keyWanted = true
	}
	m.kbps, m.paused = kbps, paused
	m.curFPS = max(fps, 1)
	m.targets = append(m.targets, videoTarget{Kbps: kbps, FPS: fps, Paused: paused})
}

func (m *rateMedia) Description() store.LocalStream {
	return store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: "rate tone", Synthetic: true}, {Kind: "video", Label: "rate pattern", Synthetic: true}}}
}
func (m *rateMedia) AudioTrack() *webrtc.TrackLocalStaticSample { return m.audio }
func (m *rateMedia) VideoTrack() *webrtc.TrackLocalStaticSample { return m.video }
func (m *rateMedia) SetAudioEnabled(on bool)                    { m.audioOn.Store(on) }
func (m *rateMedia) SetVideoEnabled(bool)                       {}
func (m *rateMedia) StartScreenShare() error                    { return nil }
func (m *rateMedia) StopScreenShare() error                     { return nil }
func (m *rateMedia) RequestKeyFrame() {
	m.keyAsks.Add(1)
	m.mu.Lock()
	m.keyWanted = true
	m.mu.Unlock()
}
func (m *rateMedia) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	m.wg.Wait()
	return nil
}

// rateOpener hands out m.
func rateOpener(m *rateMedia) MediaOpener {
	return func(context.Context) (LocalMedia, error) { return m, nil }
}

// Events is nil: this media never changes by itself.
func (m *rateMedia) Events() <-chan store.MediaEvent { return nil }
