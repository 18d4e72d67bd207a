package devices

import (
	"fmt"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
)

// rateTarget is what the network allows the shared video encoder: set by
// rtc's congestion control through SetVideoTarget, applied by the video
// pipeline. The zero value means "as configured".
type rateTarget struct {
	kbps   int  // encoder bitrate; 0 = the configured one
	fps    int  // frames per second written; 0 = every frame
	paused bool // write no video (audio goes on)
}

// MaxVideo is the configured video bitrate and frame rate, the top of
// rtc's degradation ladder.
func (m *Media) MaxVideo() (kbps, fps int) { return m.cfg.VideoBitrateKbps, m.cfg.FPS }

// SetVideoTarget makes the one video encoder follow the network: its
// bitrate (applied before the next frame), the frame rate written to the
// track (frames in between are neither encoded nor sent), or no video at
// all. Resuming starts with a key frame. It never blocks for long.
func (m *Media) SetVideoTarget(kbps, fps int, paused bool) {
	m.mu.Lock()
	if m.video.rate.paused && !paused {
		m.video.forceNext = true
	}
	m.video.rate = rateTarget{kbps: max(kbps, 0), fps: max(fps, 0), paused: paused}
	m.mu.Unlock()
	m.video.poke()
}

// skipLocked reports whether the frame read at now is not sent: video is
// paused, or it comes sooner than the target frame rate allows. m.mu is held.
func (p *videoPipe) skipLocked(now time.Time) bool {
	r := p.rate
	if r.paused {
		return true
	}
	if r.fps <= 0 || p.lastWrite.IsZero() {
		return false
	}
	// A fifth of a frame's slack, so a 30 fps source halves cleanly to 15.
	gap := time.Second / time.Duration(r.fps)
	return now.Sub(p.lastWrite) < gap*4/5
}

// setBitRate applies kbps (0: the configured rate) to the feed's encoder
// when it differs from what the encoder has. Only the pipeline goroutine
// calls it, just before encoding.
func (f *videoFeed) setBitRate(kbps int) error {
	if kbps <= 0 {
		kbps = f.kbps
	}
	if kbps == f.applied {
		return nil
	}
	bc, ok := f.enc.Controller().(codec.BitRateController)
	if !ok {
		return nil
	}
	if err := bc.SetBitRate(kbps * 1000); err != nil {
		return fmt.Errorf("set video bitrate: %w", err)
	}
	f.applied = kbps
	return nil
}
