package devices

import (
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/rtcterm/rtcterm/vp8enc"
)

// videoFeed is one source with its own VP8 encoder: the camera (or test
// pattern) is one feed for the whole call, each screen share another.
// Only the video pipeline goroutine encodes.
type videoFeed struct {
	src videoSource
	vp8Stream
	fps   int
	once  sync.Once
	done  chan struct{} // closed once the feed is closed
	isCam bool
}

// vp8Stream is one VP8 encoder with its input slot: a feed's (the high
// layer) or the low layer's.
type vp8Stream struct {
	enc  codec.ReadCloser
	slot *frameSlot
	kbps int // configured bitrate
	// applied is the bitrate the encoder runs at now; only the pipeline
	// goroutine touches it (see setBitRate).
	applied int
}

// frameSlot is the encoder's input: the pipeline puts the frame it just
// read into the slot and asks the encoder for output, so the encoder never
// blocks on a device while holding its lock (ForceKeyFrame takes the same
// lock).
type frameSlot struct{ img image.Image }

var errNoFrame = errors.New("devices: no frame in slot")

// Read hands the encoder the pending frame once.
func (s *frameSlot) Read() (image.Image, func(), error) {
	img := s.img
	s.img = nil
	if img == nil {
		return nil, func() {}, errNoFrame
	}
	return img, func() {}, nil
}

// newVideoFeed builds a VP8 encoder for frames of width×height at fps.
func newVideoFeed(src videoSource, width, height, fps, kbps int) (*videoFeed, error) {
	st, err := newVP8Stream(width, height, fps, kbps, 0)
	if err != nil {
		return nil, err
	}
	return &videoFeed{src: src, vp8Stream: st, fps: fps, done: make(chan struct{})}, nil
}

// newVP8Stream builds a VP8 encoder for frames of width×height at fps;
// maxQuantizer 0 is vp8enc's default.
func newVP8Stream(width, height, fps, kbps, maxQuantizer int) (vp8Stream, error) {
	// vp8enc, not mediadevices' encoder: it runs libvpx at a fixed
	// realtime speed (3 ms instead of 25 ms for a busy 640×480 frame) and
	// holds its rate on narrow links. Peers ask for key frames (PLI) when
	// they need one; a periodic one every 10 s bounds a lost request.
	params := vp8enc.Params{BitRate: kbps * 1000, KeyFrameInterval: fps * 10, MaxQuantizer: maxQuantizer}
	slot := &frameSlot{}
	enc, err := params.BuildVideoEncoder(slot, prop.Media{Video: prop.Video{
		Width: width, Height: height, FrameRate: float32(fps), FrameFormat: frame.FormatI420,
	}})
	if err != nil {
		return vp8Stream{}, fmt.Errorf("vp8 encoder: %w", err)
	}
	return vp8Stream{enc: enc, slot: slot, kbps: kbps, applied: kbps}, nil
}

// encode turns one frame into a VP8 frame; force makes it a key frame.
func (f *vp8Stream) encode(img image.Image, force bool) (data []byte, key bool, err error) {
	if force {
		if kc, ok := f.enc.Controller().(codec.KeyFrameController); ok {
			if err := kc.ForceKeyFrame(); err != nil {
				return nil, false, fmt.Errorf("force key frame: %w", err)
			}
		}
	}
	f.slot.img = img
	err = guard(func() error {
		var release func()
		var rerr error
		data, release, rerr = f.enc.Read()
		if release != nil {
			release()
		}
		return rerr
	})
	if err != nil {
		return nil, false, fmt.Errorf("vp8 encode: %w", err)
	}
	return data, isVP8KeyFrame(data), nil
}

// isVP8KeyFrame reads the frame tag: bit 0 of the first byte is 0 for key
// frames (RFC 6386, section 9.1).
func isVP8KeyFrame(data []byte) bool { return len(data) > 0 && data[0]&1 == 0 }

// close releases the source and the encoder, once.
func (f *videoFeed) close() error {
	var err error
	f.once.Do(func() {
		err = errors.Join(f.src.Close(), f.enc.Close())
		close(f.done)
	})
	return err
}

// guard runs fn and turns a panic in device or codec code into an error, so
// a misbehaving driver never takes the process down.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("devices: recovered from driver panic: %v", r)
		}
	}()
	return fn()
}
