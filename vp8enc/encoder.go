package vp8enc

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/io/video"
)

// encoder is the codec.ReadCloser BuildVideoEncoder returns. Read is
// called by one goroutine; ForceKeyFrame, SetBitRate and Close may come
// from others.
type encoder struct {
	r        video.Reader
	conv     converter // used by Read only, outside the lock
	now      func() time.Time
	firstDur time.Duration

	mu       sync.Mutex
	c        *cEncoder // nil once closed
	cfg      rcConfig  // kept for rebuilding on a size change
	forceKey bool      // until a key frame is actually produced
	started  bool
	last     time.Time // clock reading of the previous picture
	pts      time.Duration
	buf      []byte // reused output buffer; Read returns a copy
}

var (
	_ codec.ReadCloser         = (*encoder)(nil)
	_ codec.BitRateController  = (*encoder)(nil)
	_ codec.KeyFrameController = (*encoder)(nil)
)

// Read takes one picture from the reader and returns its VP8 frame. A
// frame dropped by rate control is returned as an empty slice with a nil
// error. After Close it returns io.EOF. The picture is read before the
// lock is taken, so a slow source never blocks the control methods.
func (e *encoder) Read() ([]byte, func(), error) {
	noop := func() {}
	img, release, err := e.r.Read()
	if err != nil {
		return nil, noop, err
	}
	if release != nil {
		defer release()
	}
	t := e.now()
	p, err := e.conv.planes(img)
	if err != nil {
		return nil, noop, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return nil, noop, io.EOF
	}
	if w, h := e.c.size(); w != p.w || h != p.h {
		if err := e.rebuild(p.w, p.h); err != nil {
			return nil, noop, err
		}
	}

	dur := e.firstDur
	if e.started {
		dur = min(max(t.Sub(e.last), time.Millisecond), maxFrameGap)
		e.pts += dur
	}
	e.started, e.last = true, t

	out, key, err := e.c.encode(p, e.pts.Microseconds(), dur.Microseconds(), e.forceKey, e.buf[:0])
	if cap(out) > cap(e.buf) {
		e.buf = out[:0]
	}
	if err != nil {
		return nil, noop, err
	}
	if key {
		e.forceKey = false
	}
	frame := make([]byte, len(out))
	copy(frame, out)
	return frame, noop, nil
}

// rebuild replaces the libvpx context for a new picture size; the
// stream restarts with a key frame.
func (e *encoder) rebuild(w, h int) error {
	cfg := e.cfg
	cfg.width, cfg.height = w, h
	c, err := newCEncoder(cfg)
	if err != nil {
		return fmt.Errorf("resize to %dx%d: %w", w, h, err)
	}
	e.c.free()
	e.c, e.cfg, e.forceKey = c, cfg, true
	e.buf = nil
	return nil
}

// ForceKeyFrame makes the next produced frame a key frame (a dropped
// frame does not consume the request).
func (e *encoder) ForceKeyFrame() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return ErrClosed
	}
	e.forceKey = true
	return nil
}

// SetBitRate changes the target rate (bit/s) of the running encoder in
// place; the next frame is already sized for it.
func (e *encoder) SetBitRate(bps int) error {
	kbps, err := kbpsOf(bps)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return ErrClosed
	}
	if kbps == e.cfg.kbps {
		return nil
	}
	if err := e.c.setKbps(kbps, drainMs); err != nil {
		return fmt.Errorf("set bit rate %d: %w", bps, err)
	}
	e.cfg.kbps = kbps
	return nil
}

// Controller is the encoder itself: it implements the bit-rate and
// key-frame controllers.
func (e *encoder) Controller() codec.EncoderController { return e }

// Close releases the libvpx context; later calls do nothing.
func (e *encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c != nil {
		e.c.free()
		e.c = nil
	}
	return nil
}
