package devices

import (
	"image"
	"sync"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// The low layer: half the configured picture (a shared screen keeps its
// size, so its text stays legible) at no more than lowLayerFPS and
// lowLayerMaxKbps. A noisy 320×240 camera picture looks fine at 150–250
// kbps, where 640×480 drops most frames.
//
// The low layer is what a narrow link gets, so it may use libvpx's whole
// quantizer range: a coarser picture rather than fewer frames. Measured on
// the 320×240 camera picture at 15 fps: at 50 kbps the default cap (56)
// drops to 9.8 fps, 63 keeps 15 fps; at 40 kbps 6.6 against 11.2 fps.
const (
	lowLayerFPS          = 15
	lowLayerMaxKbps      = 250
	lowLayerMaxQuantizer = 63
)

// subscribers are the functions that see every encoded frame of a layer
// (rtc's per-peer tracks). Guarded by Media.mu.
type subscribers struct {
	next uint64
	fns  map[uint64]func(media.Sample)
}

func (s *subscribers) add(fn func(media.Sample)) uint64 {
	if s.fns == nil {
		s.fns = map[uint64]func(media.Sample){}
	}
	s.next++
	s.fns[s.next] = fn
	return s.next
}

func (s *subscribers) remove(id uint64) { delete(s.fns, id) }

func (s *subscribers) len() int { return len(s.fns) }

// list copies the functions, so they are called without the lock: a
// subscriber may cancel (which takes it) from inside its function.
func (s *subscribers) list() []func(media.Sample) {
	out := make([]func(media.Sample), 0, len(s.fns))
	for _, fn := range s.fns {
		out = append(out, fn)
	}
	return out
}

// lowLayer is the second encoding. It runs only while it has subscribers
// (a peer on it, or switching to it): with none, frames are not encoded.
// Fields are guarded by Media.mu, except enc and halver, which only the
// pipeline goroutine (and Close, after it has ended) touches.
type lowLayer struct {
	subs      subscribers
	rate      rateTarget // kbps 0: lowLayerMaxKbps; fps 0: lowLayerFPS
	gate      mediacodec.KeyFrameGate
	forceNext bool // the next frame must be a key frame (started, feed changed, resumed)
	lastFeed  *videoFeed
	lastWrite time.Time

	enc    *vp8Stream // built on first use
	halver halver
}

// layerJob is what the pipeline does with one frame for one layer.
type layerJob struct {
	ok    bool // encode this frame
	force bool // as a key frame
	kbps  int  // at this bitrate (0: as configured)
	half  bool // halved first
}

// frameDue reports whether a frame read at now is sent under r, given the
// last frame sent at last: not while paused, and not sooner than r's frame
// rate allows (fps 0: defaultFPS, which 0 makes every frame).
func frameDue(r rateTarget, defaultFPS int, last, now time.Time) bool {
	if r.paused {
		return false
	}
	fps := r.fps
	if fps <= 0 {
		fps = defaultFPS
	}
	if fps <= 0 || last.IsZero() {
		return true
	}
	// A fifth of a frame's slack, so a 30 fps source halves cleanly to 15.
	gap := time.Second / time.Duration(fps)
	return now.Sub(last) >= gap*4/5
}

// lowJobLocked decides whether the low layer encodes the frame of feed
// read at now. m.mu is held.
func (p *videoPipe) lowJobLocked(feed *videoFeed, now time.Time) layerJob {
	l := &p.low
	if l.subs.len() == 0 || !frameDue(l.rate, p.lowFPS(), l.lastWrite, now) {
		return layerJob{}
	}
	force := l.forceNext || l.lastFeed != feed || l.gate.Due(now)
	l.forceNext = false
	kbps := l.rate.kbps
	if kbps <= 0 {
		kbps = p.lowMaxKbps()
	}
	return layerJob{ok: true, force: force, kbps: kbps, half: feed != p.screen}
}

// lowFPS and lowMaxKbps are the low layer's ceiling for the configuration.
func (p *videoPipe) lowFPS() int { return min(lowLayerFPS, p.m.cfg.FPS) }

func (p *videoPipe) lowMaxKbps() int { return min(lowLayerMaxKbps, p.m.cfg.VideoBitrateKbps) }

// encodeLow encodes img for the low layer and hands the frame to its
// subscribers. Only the pipeline goroutine calls it.
func (p *videoPipe) encodeLow(feed *videoFeed, img image.Image, job layerJob, now time.Time) {
	l := &p.low
	if l.enc == nil {
		c := p.m.cfg
		w, h := c.Width/2&^1, c.Height/2&^1
		if w < minHalfWidth {
			w, h = c.Width, c.Height // never halved (see halver)
		}
		st, err := newVP8Stream(w, h, p.lowFPS(), p.lowMaxKbps(), lowLayerMaxQuantizer)
		if err != nil {
			p.m.logErr("low video layer", err)
			return
		}
		l.enc = &st
		p.m.mu.Lock()
		p.m.stats.VideoEncoders++
		p.m.mu.Unlock()
	}
	p.m.logErr("low video rate", l.enc.setBitRate(job.kbps))
	if job.half {
		img = l.halver.half(img)
	}
	data, key, err := l.enc.encode(img, job.force)

	p.m.mu.Lock()
	p.m.stats.LowEncodes++
	if err != nil || len(data) == 0 || !p.liveLocked(feed) || l.subs.len() == 0 {
		// Failed, dropped by rate control or switched away meanwhile: the
		// key frame is still owed.
		l.forceNext = l.forceNext || job.force
		p.m.mu.Unlock()
		p.m.logErr("low video encode", err)
		return
	}
	dur := time.Second / time.Duration(p.lowFPS())
	if !l.lastWrite.IsZero() && l.lastFeed == feed {
		dur = min(max(now.Sub(l.lastWrite), time.Millisecond), time.Second)
	}
	l.lastFeed, l.lastWrite = feed, now
	p.m.stats.LowFrames++
	p.m.stats.LowBytes += uint64(len(data))
	if key {
		p.m.stats.LowKeyFrames++
		l.gate.Sent(now)
	}
	fns := l.subs.list()
	p.m.mu.Unlock()
	deliver(fns, media.Sample{Data: data, Timestamp: now, Duration: dur})
}

// deliver hands one encoded frame to every subscriber; the data is shared
// and must not be changed.
func deliver(fns []func(media.Sample), s media.Sample) {
	for _, fn := range fns {
		fn(s)
	}
}

// LayerMax is a layer's ceiling: the configured bitrate and frame rate
// for the high layer, lowLayerMaxKbps and lowLayerFPS (at most those) for
// the low one.
func (m *Media) LayerMax(l mediacodec.Layer) (kbps, fps int) {
	if l == mediacodec.LayerLow {
		return m.video.lowMaxKbps(), m.video.lowFPS()
	}
	return m.cfg.VideoBitrateKbps, m.cfg.FPS
}

// SubscribeLayer makes fn see every encoded frame of layer l (its
// Timestamp is the capture time) until cancel is called; each frame is
// encoded once however many subscribers it has. The low layer is encoded
// only while it has subscribers, and its first one starts it with a key
// frame. The high layer is encoded whether subscribed or not (it also
// feeds VideoTrack) unless SetLayerTarget pauses it. fn
// runs on the capture goroutine: it must be quick, must not block and must
// not change the data. A frame being delivered as cancel returns may still
// reach fn.
func (m *Media) SubscribeLayer(l mediacodec.Layer, fn func(media.Sample)) (cancel func()) {
	m.mu.Lock()
	subs := &m.video.highSubs
	if l == mediacodec.LayerLow {
		subs = &m.video.low.subs
		if subs.len() == 0 {
			m.video.low.forceNext = true
			m.video.low.lastWrite = time.Time{}
		}
	}
	id := subs.add(fn)
	m.mu.Unlock()
	m.video.poke()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			subs.remove(id)
			m.mu.Unlock()
		})
	}
}

// SetLayerTarget makes one layer's encoder follow the network: its
// bitrate, its frame rate, or no frames at all. Resuming starts with a key
// frame. Unlike SetVideoTarget, the high layer keeps its size: the low
// layer is the small picture.
func (m *Media) SetLayerTarget(l mediacodec.Layer, kbps, fps int, paused bool) {
	m.mu.Lock()
	r := rateTarget{kbps: max(kbps, 0), fps: max(fps, 0), paused: paused}
	if l == mediacodec.LayerLow {
		if m.video.low.rate.paused && !paused {
			m.video.low.forceNext = true
		}
		m.video.low.rate = r
	} else {
		if m.video.rate.paused && !paused {
			m.video.forceNext = true
		}
		m.video.rate = r
	}
	m.mu.Unlock()
	m.video.poke()
}

// RequestLayerKeyFrame asks one layer for a key frame; requests closer
// together than keyFrameMinGap are merged, as RequestKeyFrame's are.
func (m *Media) RequestLayerKeyFrame(l mediacodec.Layer) {
	if l != mediacodec.LayerLow {
		m.RequestKeyFrame()
		return
	}
	m.mu.Lock()
	m.video.low.gate.Request()
	m.mu.Unlock()
}
