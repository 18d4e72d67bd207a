package rtc

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// layeredMedia models devices' two encodings as rtc sees them: a 30 fps
// source; the high layer (640×480 key frames) encoded on every due frame,
// the low layer (320×240) only while it has subscribers, starting with a
// key frame; frames sized to follow SetLayerTarget (key frames three times
// a delta frame); key frames when asked (merged within 300 ms) or every
// 10 s, as devices makes them; Opus-like audio. Each layer's frame is made once and handed to
// every subscriber. It implements LocalMedia and LayeredMedia.
type layeredMedia struct {
	audio, shared *webrtc.TrackLocalStaticSample
	fps           int
	max           [mediacodec.Layers][2]int // kbps, fps

	mu         sync.Mutex
	layers     [mediacodec.Layers]fakeLayer
	maxRunning int // most layers encoding at once
	audioOn    atomic.Bool
	stop       chan struct{}
	wg         sync.WaitGroup
	closeOnce  sync.Once
}

type fakeLayer struct {
	subs      map[int]func(media.Sample)
	next      int
	kbps, fps int
	paused    bool
	keyWanted bool
	lastKey   time.Time
	lastFrame time.Time
	encodes   int // frames made
	keys      int
	keyAsks   int
	starts    int // times the layer started encoding (low: first subscriber)
}

func newLayeredMedia(highKbps int) *layeredMedia {
	a, _ := webrtc.NewTrackLocalStaticSample(mediacodec.Opus, "audio", "rtcterm")
	v, _ := webrtc.NewTrackLocalStaticSample(mediacodec.VP8, "video", "rtcterm")
	m := &layeredMedia{audio: a, shared: v, fps: 30, stop: make(chan struct{})}
	m.max[mediacodec.LayerHigh] = [2]int{highKbps, 30}
	m.max[mediacodec.LayerLow] = [2]int{250, 15}
	for i := range m.layers {
		m.layers[i].kbps, m.layers[i].fps, m.layers[i].keyWanted = m.max[i][0], m.max[i][1], true
	}
	m.audioOn.Store(true)
	m.wg.Add(2)
	go m.every(20*time.Millisecond, func(time.Time) {
		if m.audioOn.Load() {
			_ = m.audio.WriteSample(media.Sample{Data: make([]byte, 100), Duration: 20 * time.Millisecond})
		}
	})
	go m.every(time.Second/time.Duration(m.fps), m.tick)
	return m
}

func (m *layeredMedia) every(d time.Duration, fn func(time.Time)) {
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

// keyHeaders are the first bytes of a VP8 key frame of each layer's size.
var keyHeaders = [mediacodec.Layers][]byte{
	{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, // 640×480
	{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, // 320×240
}

// tick encodes one source frame for every layer that runs and is due.
func (m *layeredMedia) tick(now time.Time) {
	type out struct {
		fns    []func(media.Sample)
		sample media.Sample
		high   bool
	}
	var outs []out
	m.mu.Lock()
	running := 0
	for i := range m.layers {
		l := &m.layers[i]
		if i == int(mediacodec.LayerLow) && len(l.subs) == 0 {
			continue // the low layer runs only for its subscribers
		}
		running++
		if l.paused || (!l.lastFrame.IsZero() && now.Sub(l.lastFrame) < time.Second/time.Duration(max(l.fps, 1))*4/5) {
			continue
		}
		key := (l.keyWanted && (l.lastKey.IsZero() || now.Sub(l.lastKey) >= 300*time.Millisecond)) || now.Sub(l.lastKey) >= 10*time.Second
		size := max(l.kbps*1000/8/max(l.fps, 1), 40)
		if key {
			size *= 3
			l.keyWanted = false
			l.lastKey = now
			l.keys++
		}
		dur := time.Second / time.Duration(max(l.fps, 1))
		l.lastFrame = now
		l.encodes++
		data := make([]byte, size)
		if key {
			copy(data, keyHeaders[i])
		} else {
			data[0] = 0x01 // inter frame
		}
		o := out{sample: media.Sample{Data: data, Timestamp: now, Duration: dur}, high: i == int(mediacodec.LayerHigh)}
		for _, fn := range l.subs {
			o.fns = append(o.fns, fn)
		}
		outs = append(outs, o)
	}
	m.maxRunning = max(m.maxRunning, running)
	m.mu.Unlock()
	for _, o := range outs {
		if o.high {
			_ = m.shared.WriteSample(o.sample)
		}
		for _, fn := range o.fns {
			fn(o.sample)
		}
	}
}

func (m *layeredMedia) LayerMax(l mediacodec.Layer) (int, int) { return m.max[l][0], m.max[l][1] }

func (m *layeredMedia) SubscribeLayer(l mediacodec.Layer, fn func(media.Sample)) func() {
	m.mu.Lock()
	defer m.mu.Unlock()
	ly := &m.layers[l]
	if ly.subs == nil {
		ly.subs = map[int]func(media.Sample){}
	}
	if len(ly.subs) == 0 && l == mediacodec.LayerLow {
		ly.keyWanted, ly.lastFrame = true, time.Time{}
		ly.starts++
	}
	ly.next++
	id := ly.next
	ly.subs[id] = fn
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			delete(ly.subs, id)
			m.mu.Unlock()
		})
	}
}

func (m *layeredMedia) SetLayerTarget(l mediacodec.Layer, kbps, fps int, paused bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ly := &m.layers[l]
	if ly.paused && !paused {
		ly.keyWanted = true
	}
	ly.kbps, ly.paused = kbps, paused
	ly.fps = max(fps, 1)
}

func (m *layeredMedia) RequestLayerKeyFrame(l mediacodec.Layer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.layers[l].keyWanted = true
	m.layers[l].keyAsks++
}

// layer returns a copy of one layer's state (subscriber count in n).
func (m *layeredMedia) layer(l mediacodec.Layer) (fl fakeLayer, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fl = m.layers[l]
	return fl, len(fl.subs)
}

func (m *layeredMedia) running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxRunning
}

func (m *layeredMedia) Description() store.LocalStream {
	return store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: "layered tone", Synthetic: true}, {Kind: "video", Label: "layered pattern", Synthetic: true}}}
}
func (m *layeredMedia) AudioTrack() *webrtc.TrackLocalStaticSample { return m.audio }
func (m *layeredMedia) VideoTrack() *webrtc.TrackLocalStaticSample { return m.shared }
func (m *layeredMedia) SetAudioEnabled(on bool)                    { m.audioOn.Store(on) }
func (m *layeredMedia) SetVideoEnabled(bool)                       {}
func (m *layeredMedia) StartScreenShare() error                    { return nil }
func (m *layeredMedia) StopScreenShare() error                     { return nil }
func (m *layeredMedia) RequestKeyFrame()                           { m.RequestLayerKeyFrame(mediacodec.LayerHigh) }
func (m *layeredMedia) Events() <-chan store.MediaEvent            { return nil }
func (m *layeredMedia) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	m.wg.Wait()
	return nil
}

// streamSink records, per sending peer, the video stream as it arrives:
// its SSRCs, sequence-number gaps, timestamps going backwards, frames
// (marker bits), the longest time between two frames, and every key frame
// with its size and where in the sequence it started.
type streamSink struct {
	mu    sync.Mutex
	peers map[string]*streamLog
}

type streamLog struct {
	ssrcs       map[uint32]bool
	started     bool
	lastSeq     uint16
	lastTS      uint32
	gaps        int // packets missing between consecutive arrivals
	tsBackwards int
	frames      int
	lastFrameAt time.Time
	maxFrameGap time.Duration // longest time between two frames' last packets
	keys        []keySeen
}

type keySeen struct {
	at       time.Time
	w, h     int
	seqJump  int // this packet's sequence number minus the previous one's
	frameGap time.Duration
}

func (s *streamSink) Push(peerID string, pkt *rtp.Packet) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peers == nil {
		s.peers = map[string]*streamLog{}
	}
	l := s.peers[peerID]
	if l == nil {
		l = &streamLog{ssrcs: map[uint32]bool{}}
		s.peers[peerID] = l
	}
	l.ssrcs[pkt.SSRC] = true
	jump := 1
	if l.started {
		jump = int(int16(pkt.SequenceNumber - l.lastSeq))
		if jump > 1 {
			l.gaps += jump - 1
		}
		if int32(pkt.Timestamp-l.lastTS) < 0 {
			l.tsBackwards++
		}
	}
	if w, h, ok := vp8KeyFrameSize(pkt); ok {
		gap := time.Duration(0)
		if !l.lastFrameAt.IsZero() {
			gap = now.Sub(l.lastFrameAt)
		}
		l.keys = append(l.keys, keySeen{at: now, w: w, h: h, seqJump: jump, frameGap: gap})
	}
	l.started, l.lastSeq, l.lastTS = true, pkt.SequenceNumber, pkt.Timestamp
	if pkt.Marker {
		if !l.lastFrameAt.IsZero() {
			l.maxFrameGap = max(l.maxFrameGap, now.Sub(l.lastFrameAt))
		}
		l.frames++
		l.lastFrameAt = now
	}
}

func (s *streamSink) RemovePeer(string) {}

// log returns a copy of what arrived from peerID.
func (s *streamSink) log(peerID string) streamLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.peers[peerID]
	if l == nil {
		return streamLog{}
	}
	c := *l
	c.ssrcs = maps.Clone(l.ssrcs)
	c.keys = slices.Clone(l.keys)
	return c
}

// lastKeySize is the size of the last key frame from peerID.
func (s *streamSink) lastKeySize(peerID string) (w, h int) {
	l := s.log(peerID)
	if len(l.keys) == 0 {
		return 0, 0
	}
	k := l.keys[len(l.keys)-1]
	return k.w, k.h
}

// layeredOpener hands out m.
func layeredOpener(m *layeredMedia) MediaOpener {
	return func(context.Context) (LocalMedia, error) { return m, nil }
}
