package devices

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// videoPipe moves frames from the active feed (screen while sharing, else
// the camera while enabled) to the one video track and the layers'
// subscribers. One goroutine runs
// loop; the methods called from outside only change state under m.mu.
type videoPipe struct {
	m     *Media
	track *webrtc.TrackLocalStaticSample

	// guarded by m.mu
	camera    *videoFeed
	screen    *videoFeed
	retired   []*videoFeed // stopped screen feeds the loop still has to close
	nextCam   videoSource  // a camera switch the loop has yet to make (mediaswitch.go)
	enabled   bool
	forceNext bool       // next written frame must be a key frame (feed changed)
	lastFeed  *videoFeed // feed of the last written frame
	lastWrite time.Time
	gate      mediacodec.KeyFrameGate
	rate      rateTarget // what congestion control allows the high layer (ratecontrol.go)
	halver    halver     // used by the loop goroutine only
	highSubs  subscribers
	low       lowLayer // the second encoding (layers.go)

	wake chan struct{} // cap 1: state changed
	// onFrame, when set (tests), sees every written frame.
	onFrame func(writtenFrame)
	// preview, when set, sees every frame that is sent (the local preview
	// in the terminal); guarded by m.mu.
	preview func(image.Image)
}

// writtenFrame describes a frame written to the track, for tests.
type writtenFrame struct{ key, forced, screen bool }

func newVideoPipe(m *Media, track *webrtc.TrackLocalStaticSample) *videoPipe {
	return &videoPipe{
		m:       m,
		track:   track,
		enabled: true,
		gate:    mediacodec.KeyFrameGate{MinGap: keyFrameMinGap},
		low:     lowLayer{gate: mediacodec.KeyFrameGate{MinGap: keyFrameMinGap}},
		wake:    make(chan struct{}, 1),
	}
}

// poke wakes the loop if it waits for a state change.
func (p *videoPipe) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// activeLocked is the feed whose frames are read: the screen while sharing,
// else the camera (read even while disabled, to keep the device drained).
func (p *videoPipe) activeLocked() *videoFeed {
	if p.screen != nil {
		return p.screen
	}
	return p.camera
}

// liveLocked reports whether frames of f go to the track now.
func (p *videoPipe) liveLocked(f *videoFeed) bool {
	if p.screen != nil {
		return f == p.screen
	}
	return f == p.camera && p.enabled
}

// loop runs until ctx is done.
func (p *videoPipe) loop(ctx context.Context) {
	for {
		p.m.mu.Lock()
		retired := p.retired
		p.retired = nil
		stale := p.takeCameraSwitchLocked()
		feed := p.activeLocked()
		p.m.mu.Unlock()
		for _, f := range retired {
			p.m.logErr("close screen capture", f.close())
		}
		if stale != nil {
			p.m.logErr("close the camera switched from", stale.Close())
		}
		if feed == nil {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
				continue
			}
		}
		var img image.Image
		err := guard(func() error {
			var nerr error
			img, nerr = feed.src.Next(ctx)
			return nerr
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !p.switching(feed) {
				p.failed(feed, err)
			}
			continue
		}
		p.frame(feed, img)
	}
}

// frame encodes one frame read from feed, if feed is live, once per layer
// that wants it: the high layer (written to the track and handed to its
// subscribers) and, while it has subscribers, the low layer.
func (p *videoPipe) frame(feed *videoFeed, img image.Image) {
	now := time.Now()
	p.m.mu.Lock()
	p.m.stats.VideoTicks++
	if !p.liveLocked(feed) {
		p.m.mu.Unlock()
		return
	}
	high := p.highJobLocked(feed, now)
	low := p.lowJobLocked(feed, now)
	preview := p.preview
	p.m.mu.Unlock()
	if preview != nil {
		// Also when nothing is sent for lack of bandwidth: the self-view
		// still moves. Synchronous, and it does not keep img, so the source
		// may reuse it.
		preview(img)
	}
	if high.ok {
		p.encodeHigh(feed, img, high, now)
	}
	if low.ok {
		p.encodeLow(feed, img, low, now)
	}
}

// highJobLocked decides whether the high layer (the feed's own encoder)
// encodes the frame of feed read at now. m.mu is held.
func (p *videoPipe) highJobLocked(feed *videoFeed, now time.Time) layerJob {
	if p.skipLocked(now) {
		return layerJob{}
	}
	force := p.forceNext || p.lastFeed != feed || p.gate.Due(now)
	p.forceNext = false
	// A shared screen keeps its text legible: never halved.
	return layerJob{ok: true, force: force, kbps: p.rate.kbps, half: p.rate.half && feed != p.screen}
}

// encodeHigh encodes img with the feed's encoder, writes the frame to the
// track and hands it to the high layer's subscribers.
func (p *videoPipe) encodeHigh(feed *videoFeed, img image.Image, job layerJob, now time.Time) {
	p.m.logErr("video rate", feed.setBitRate(job.kbps))
	if job.half {
		img = p.halver.half(img)
	}
	data, key, err := feed.encode(img, job.force)
	if err != nil {
		p.failed(feed, err)
		return
	}

	p.m.mu.Lock()
	p.m.stats.VideoEncodes++
	if len(data) == 0 || !p.liveLocked(feed) {
		// Dropped by rate control or switched away meanwhile: the key frame
		// is still owed.
		p.forceNext = p.forceNext || job.force
		p.m.mu.Unlock()
		return
	}
	dur := time.Second / time.Duration(feed.fps)
	if !p.lastWrite.IsZero() && p.lastFeed == feed {
		dur = min(max(now.Sub(p.lastWrite), time.Millisecond), time.Second)
	}
	sample := media.Sample{Data: data, Timestamp: now, Duration: dur}
	if err := p.track.WriteSample(sample); err != nil {
		// A binding whose peer connection is closing; the others still got it.
		p.m.cfg.Logger.Debug("write video sample", "err", err)
	}
	p.lastFeed, p.lastWrite = feed, now
	p.m.stats.VideoFrames++
	p.m.stats.VideoBytes += uint64(len(data))
	if key {
		p.m.stats.KeyFrames++
		p.gate.Sent(now)
	}
	if p.onFrame != nil {
		p.onFrame(writtenFrame{key: key, forced: job.force, screen: feed == p.screen})
	}
	fns := p.highSubs.list()
	p.m.mu.Unlock()
	deliver(fns, sample)
}

// failed handles a capture or encode error of feed: a failed camera falls
// back to the test pattern (or to no video), a failed screen share ends and
// the camera takes over again. Either way the owner gets a store.MediaEvent.
func (p *videoPipe) failed(feed *videoFeed, cause error) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	switch feed {
	case p.screen:
		p.screen = nil
		p.forceNext = true
		p.retired = append(p.retired, feed)
		m.emitLocked(store.MediaScreenShareEnded, "video", fmt.Errorf("%w: screen capture: %w", ErrStreamEnded, cause))
	case p.camera:
		old := feed.src.Describe()
		_ = feed.src.Close()
		if !old.Synthetic {
			c := m.cfg
			feed.src = newPatternSource(c.Name, c.Width, c.Height, c.FPS, c.Now)
			p.forceNext, p.low.forceNext = true, true
			m.emitLocked(store.MediaStreamEnded, "video", fmt.Errorf("%w: camera %q: %w (showing the test pattern)", ErrStreamEnded, old.Label, cause))
			return
		}
		p.camera = nil
		p.retired = append(p.retired, feed)
		m.emitLocked(store.MediaStreamEnded, "video", fmt.Errorf("%w: test pattern: %w (video off)", ErrStreamEnded, cause))
	}
}
