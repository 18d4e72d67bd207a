package vp8enc

import (
	"fmt"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// Defaults, chosen for a camera call at 640×480 on a shared two-core
// machine (the measurements are in docs/architecture.md).
const (
	// DefaultBitRate is the target when Params.BitRate is 0, in bit/s.
	DefaultBitRate = 300_000
	// DefaultSpeed is the fixed libvpx realtime speed (cpu-used -8).
	DefaultSpeed = 8
	// DefaultMaxQuantizer caps the quantizer below libvpx's 63, so the
	// picture never dissolves; rate control drops frames instead.
	DefaultMaxQuantizer = 56
	minQuantizer        = 2
	// dropThreshold is the buffer fullness (percent) under which libvpx
	// drops a frame rather than overshoot.
	dropThreshold = 30
	undershootPct = 50
	overshootPct  = 15
	bufInitialMs  = 400
	bufOptimalMs  = 500
	bufSizeMs     = 600
	// drainMs is the buffer credit kept when the target drops.
	drainMs    = 200
	defaultFPS = 30
	// maxFrameGap caps one frame's duration: after a stall the rate
	// controller would otherwise grant the next frame the whole gap.
	maxFrameGap = time.Second
)

// Params configures a VP8 encoder. The zero value is usable: every zero
// field takes its default.
type Params struct {
	// BitRate is the target in bit/s; SetBitRate changes it later.
	BitRate int
	// KeyFrameInterval, in frames, makes libvpx insert key frames on its
	// own; 0 means key frames only on ForceKeyFrame (and the first frame).
	KeyFrameInterval int
	// Speed is libvpx's realtime cpu-used as a fixed speed, 4…16 (higher
	// is cheaper and blurrier); 0 means DefaultSpeed.
	Speed int
	// MaxQuantizer is the worst quantizer rate control may use, 8…63;
	// 0 means DefaultMaxQuantizer.
	MaxQuantizer int
	// DisableFrameDrop keeps every frame even when the rate buffer is
	// nearly empty (the rate then overshoots).
	DisableFrameDrop bool
	// Now is the clock frame timestamps are read from when Read takes a
	// picture; nil means time.Now.
	Now func() time.Time
}

// RTPCodec is VP8 at the 90 kHz RTP clock.
func (p Params) RTPCodec() *codec.RTPCodec { return codec.NewRTPVP8Codec(90000) }

// BuildVideoEncoder builds an encoder reading pictures from r; each Read
// of the result reads one picture and returns one encoded frame (empty
// when rate control drops it). I420 pictures (*image.YCbCr 4:2:0) are
// passed to libvpx without a copy; other YCbCr ratios, RGBA and any other
// image are converted; the size may change between pictures (the
// encoder is then rebuilt and starts with a key frame). m gives the
// initial size and the nominal frame rate (for the first frame's
// duration).
func (p Params) BuildVideoEncoder(r video.Reader, m prop.Media) (codec.ReadCloser, error) {
	cfg, err := p.config(m)
	if err != nil {
		return nil, err
	}
	ce, err := newCEncoder(cfg)
	if err != nil {
		return nil, err
	}
	now := p.Now
	if now == nil {
		now = time.Now
	}
	fps := float64(m.FrameRate)
	if fps <= 0 || fps > 240 {
		fps = defaultFPS
	}
	return &encoder{
		r:        r,
		c:        ce,
		cfg:      cfg,
		now:      now,
		firstDur: time.Duration(float64(time.Second) / fps),
		forceKey: true,
	}, nil
}

// config validates p and fills in the defaults.
func (p Params) config(m prop.Media) (rcConfig, error) {
	c := rcConfig{
		width: m.Width, height: m.Height,
		kbps:  DefaultBitRate / 1000,
		speed: DefaultSpeed, maxQ: DefaultMaxQuantizer, minQ: minQuantizer,
		dropThreshold: dropThreshold,
		undershootPct: undershootPct, overshootPct: overshootPct,
		bufInitialMs: bufInitialMs, bufOptimalMs: bufOptimalMs, bufSizeMs: bufSizeMs,
		keyFrameFrames: p.KeyFrameInterval,
	}
	if m.Width < 2 || m.Height < 2 || m.Width > 16383 || m.Height > 16383 {
		return c, fmt.Errorf("%w: size %dx%d", ErrBadParams, m.Width, m.Height)
	}
	if p.BitRate != 0 {
		k, err := kbpsOf(p.BitRate)
		if err != nil {
			return c, err
		}
		c.kbps = k
	}
	if p.Speed != 0 {
		if p.Speed < 4 || p.Speed > 16 {
			return c, fmt.Errorf("%w: speed %d not in 4…16", ErrBadParams, p.Speed)
		}
		c.speed = p.Speed
	}
	if p.MaxQuantizer != 0 {
		if p.MaxQuantizer < 8 || p.MaxQuantizer > 63 {
			return c, fmt.Errorf("%w: max quantizer %d not in 8…63", ErrBadParams, p.MaxQuantizer)
		}
		c.maxQ = p.MaxQuantizer
	}
	if p.DisableFrameDrop {
		c.dropThreshold = 0
	}
	if p.KeyFrameInterval < 0 {
		return c, fmt.Errorf("%w: key frame interval %d", ErrBadParams, p.KeyFrameInterval)
	}
	fps := float64(m.FrameRate)
	if fps <= 0 || fps > 240 {
		fps = defaultFPS
	}
	// A key frame may take half the optimal buffer (the rule WebRTC's
	// VP8 wrapper uses), expressed as a percent of an average frame;
	// never below three frames' worth.
	c.maxIntraPct = max(300, int(float64(bufOptimalMs)*0.5*fps/10))
	return c, nil
}

// kbpsOf converts a rate in bit/s to libvpx's kbit/s.
func kbpsOf(bps int) (int, error) {
	if bps < 1000 || bps > 100_000_000 {
		return 0, fmt.Errorf("%w: bit rate %d not in 1 kbit/s…100 Mbit/s", ErrBadParams, bps)
	}
	return bps / 1000, nil
}
