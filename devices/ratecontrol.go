package devices

import (
	"fmt"
	"image"
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
	half   bool // camera pictures are halved before encoding (halfSize)
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
	half := halfSize(kbps, m.video.rate.half)
	m.video.rate = rateTarget{kbps: max(kbps, 0), fps: max(fps, 0), paused: paused, half: half}
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
func (f *vp8Stream) setBitRate(kbps int) error {
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

// The encoder halves the picture (640×480 → 320×240) below halfBelowKbps
// and goes back to full size from fullFromKbps: a noisy camera picture at
// 640×480 needs ~150 kbps before libvpx stops dropping most frames, while
// a quarter of the pixels keeps 10–15 fps down to ~50 kbps. The gap
// between the two keeps a rate that hovers from switching size (each
// switch rebuilds the encoder and costs a key frame).
const (
	halfBelowKbps = 300
	fullFromKbps  = 450
	// minHalfWidth: pictures are never halved below this width (a 320×240
	// camera stays as it is).
	minHalfWidth = 320
)

// halfSize decides, with hysteresis, whether video at kbps is sent at half
// size; was is the current choice.
func halfSize(kbps int, was bool) bool {
	switch {
	case kbps <= 0:
		return was // paused or as configured: keep the size
	case kbps < halfBelowKbps:
		return true
	case kbps >= fullFromKbps:
		return false
	}
	return was
}

// halver downsizes camera pictures by two in each direction into a reused
// picture. Only the pipeline goroutine uses it.
type halver struct{ dst *image.YCbCr }

// half returns img at half size, or img itself when it is not a 4:2:0
// picture wide enough to halve. The result is valid until the next call.
func (h *halver) half(img image.Image) image.Image {
	src, ok := img.(*image.YCbCr)
	if !ok || src.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return img
	}
	b := src.Rect
	w, ht := b.Dx()/2, b.Dy()/2
	if w < minHalfWidth || ht < 2 {
		return img
	}
	w, ht = w&^1, ht&^1 // even, so the chroma planes halve exactly
	if h.dst == nil || h.dst.Rect.Dx() != w || h.dst.Rect.Dy() != ht {
		h.dst = image.NewYCbCr(image.Rect(0, 0, w, ht), image.YCbCrSubsampleRatio420)
	}
	d := h.dst
	halvePlane(d.Y, d.YStride, src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride, w, ht)
	co := src.COffset(b.Min.X, b.Min.Y)
	halvePlane(d.Cb, d.CStride, src.Cb[co:], src.CStride, w/2, ht/2)
	halvePlane(d.Cr, d.CStride, src.Cr[co:], src.CStride, w/2, ht/2)
	return d
}

// halvePlane writes the w×h plane dst as the 2×2 averages of src.
func halvePlane(dst []byte, dstStride int, src []byte, srcStride, w, h int) {
	for y := range h {
		r0 := src[2*y*srcStride:]
		r1 := src[(2*y+1)*srcStride:]
		out := dst[y*dstStride : y*dstStride+w]
		for x := range out {
			s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			out[x] = byte((s + 2) / 4)
		}
	}
}
