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

// fakeMedia feeds the two shared tracks with made-up payloads: a VP8 key
// frame header (so receivers can read a size) padded to a realistic frame,
// and 80-byte audio packets. It counts key-frame requests.
type fakeMedia struct {
	audio, video *webrtc.TrackLocalStaticSample
	audioOn      atomic.Bool
	videoOn      atomic.Bool
	screen       atomic.Bool
	keyFrames    atomic.Int64
	stop         chan struct{}
	events       chan store.MediaEvent
	wg           sync.WaitGroup
	closeOnce    sync.Once
}

func newFakeMedia() *fakeMedia {
	a, _ := webrtc.NewTrackLocalStaticSample(mediacodec.Opus, "audio", "rtcterm")
	v, _ := webrtc.NewTrackLocalStaticSample(mediacodec.VP8, "video", "rtcterm")
	m := &fakeMedia{audio: a, video: v, stop: make(chan struct{}), events: make(chan store.MediaEvent, 4)}
	m.audioOn.Store(true)
	m.videoOn.Store(true)
	m.wg.Add(2)
	go m.feed(20*time.Millisecond, func() {
		if m.audioOn.Load() {
			_ = m.audio.WriteSample(media.Sample{Data: make([]byte, 80), Duration: 20 * time.Millisecond})
		}
	})
	frame := make([]byte, 1200)
	copy(frame, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}) // key frame 320x240
	go m.feed(33*time.Millisecond, func() {
		if m.videoOn.Load() {
			_ = m.video.WriteSample(media.Sample{Data: frame, Duration: 33 * time.Millisecond})
		}
	})
	return m
}

func (m *fakeMedia) feed(every time.Duration, write func()) {
	defer m.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			write()
		}
	}
}

func (m *fakeMedia) Description() store.LocalStream {
	return store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: "fake tone", Synthetic: true}, {Kind: "video", Label: "fake pattern", Synthetic: true}}}
}
func (m *fakeMedia) AudioTrack() *webrtc.TrackLocalStaticSample { return m.audio }
func (m *fakeMedia) VideoTrack() *webrtc.TrackLocalStaticSample { return m.video }
func (m *fakeMedia) SetAudioEnabled(on bool)                    { m.audioOn.Store(on) }
func (m *fakeMedia) SetVideoEnabled(on bool)                    { m.videoOn.Store(on) }
func (m *fakeMedia) StartScreenShare() error                    { m.screen.Store(true); return nil }
func (m *fakeMedia) StopScreenShare() error                     { m.screen.Store(false); return nil }
func (m *fakeMedia) RequestKeyFrame()                           { m.keyFrames.Add(1) }
func (m *fakeMedia) Close() error {
	m.closeOnce.Do(func() { close(m.stop); close(m.events) })
	m.wg.Wait()
	return nil
}

func (m *fakeMedia) Events() <-chan store.MediaEvent { return m.events }

func fakeOpener(m *fakeMedia) MediaOpener {
	return func(context.Context) (LocalMedia, error) { return m, nil }
}
