package audioproc

// #cgo pkg-config: webrtc-audio-processing
// #cgo CXXFLAGS: -std=c++11 -Wno-deprecated-declarations
// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// SampleRate is the rate of every frame, 48 kHz as Opus runs.
const SampleRate = 48000

// FrameSamples is the length of one frame: 10 ms at SampleRate, the only
// size the module takes.
const FrameSamples = SampleRate / 100

// Errors callers can tell apart.
var (
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("audioproc: closed")
	// ErrFrameSize means a frame was not FrameSamples long.
	ErrFrameSize = errors.New("audioproc: frame is not 10 ms")
)

// Config says which components run. The zero value runs nothing (a pass
// through); Default is what a call uses.
type Config struct {
	EchoCancel    bool // acoustic echo cancellation (needs ProcessFar)
	NoiseSuppress bool
	// NoiseLevel is the suppression's aggressiveness, 0 (low) to 3 (very
	// high); Default uses 2 (high), as browsers do.
	NoiseLevel  int
	GainControl bool // adaptive digital gain
	// GainTargetDBFS is the level gain control aims for, in dB below full
	// scale (0-31); GainMaxDB the most gain it adds (0-90).
	GainTargetDBFS, GainMaxDB int
	HighPass                  bool
	// DelayMs is the first estimate of the echo path's delay: from handing
	// a frame to the speaker until its echo reaches ProcessNear (0-500).
	DelayMs int
}

// Default is the processing for a call on a loudspeaker: everything on,
// gain aiming at -6 dBFS peaks with at most 9 dB added. WebRTC's own
// default aims at -3 dBFS, which lifts a talker at a normal level (-22 dBFS
// RMS) by 3 dB; -6 leaves such a talker as it is, lifts quiet ones and
// keeps headroom for the encoder.
func Default() Config {
	return Config{
		EchoCancel: true, NoiseSuppress: true, NoiseLevel: 2,
		GainControl: true, GainTargetDBFS: 6, GainMaxDB: 9,
		HighPass: true, DelayMs: 60,
	}
}

// MaxDelayMs is the longest delay estimate SetDelay accepts.
const MaxDelayMs = 500

// validate checks c's ranges.
func (c Config) validate() error {
	switch {
	case c.NoiseLevel < 0 || c.NoiseLevel > 3:
		return fmt.Errorf("audioproc: noise level %d not in 0-3", c.NoiseLevel)
	case c.GainTargetDBFS < 0 || c.GainTargetDBFS > 31:
		return fmt.Errorf("audioproc: gain target %d dBFS not in 0-31", c.GainTargetDBFS)
	case c.GainMaxDB < 0 || c.GainMaxDB > 90:
		return fmt.Errorf("audioproc: gain %d dB not in 0-90", c.GainMaxDB)
	case c.DelayMs < 0 || c.DelayMs > MaxDelayMs:
		return fmt.Errorf("audioproc: delay %d ms not in 0-%d", c.DelayMs, MaxDelayMs)
	}
	return nil
}

// Processor is one instance of the module for one microphone stream.
//
// Locking: one mutex serializes every call into the module, so ProcessFar
// (from the playback thread) and ProcessNear (from the capture side) may
// run on different goroutines at once; each call processes 10 ms of audio
// in well under a millisecond, so neither side waits long. Close takes the
// same mutex, so no call runs on freed memory.
type Processor struct {
	mu    sync.Mutex
	apm   *C.apm_shim // nil once closed
	delay int
	cfg   Config
	frame *C.int16_t // one frame of C memory: Go memory is never handed to C++
}

// New creates a processor running cfg's components.
func New(cfg Config) (*Processor, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := C.apm_options{
		echo: cbool(cfg.EchoCancel), noise: cbool(cfg.NoiseSuppress), noise_level: C.int(cfg.NoiseLevel),
		gain: cbool(cfg.GainControl), gain_target: C.int(cfg.GainTargetDBFS), gain_comp: C.int(cfg.GainMaxDB),
		high_pass: cbool(cfg.HighPass), sample_rate: SampleRate,
	}
	var code C.int
	apm := C.apm_new(&o, &code)
	if apm == nil {
		return nil, fmt.Errorf("audioproc: create: %w", libError(code))
	}
	frame := (*C.int16_t)(C.malloc(C.size_t(FrameSamples * 2)))
	if frame == nil {
		C.apm_free(apm)
		return nil, errors.New("audioproc: out of memory")
	}
	return &Processor{apm: apm, delay: cfg.DelayMs, cfg: cfg, frame: frame}, nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// cFrame is p.frame as a Go slice; p.mu is held.
func (p *Processor) cFrame() []int16 {
	return unsafe.Slice((*int16)(unsafe.Pointer(p.frame)), FrameSamples)
}

// ProcessFar hands the module one frame of what the speaker plays, as
// close to the device as possible. frame is not changed.
func (p *Processor) ProcessFar(frame []int16) error {
	if len(frame) != FrameSamples {
		return ErrFrameSize
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.apm == nil {
		return ErrClosed
	}
	if !p.cfg.EchoCancel {
		return nil
	}
	copy(p.cFrame(), frame)
	if r := C.apm_far(p.apm, p.frame, FrameSamples); r != 0 {
		return fmt.Errorf("audioproc: far frame: %w", libError(r))
	}
	return nil
}

// ProcessNear cleans one captured frame in place: echo removed, noise
// suppressed, gain applied. On an error the frame is left as it was.
func (p *Processor) ProcessNear(frame []int16) error {
	if len(frame) != FrameSamples {
		return ErrFrameSize
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.apm == nil {
		return ErrClosed
	}
	buf := p.cFrame()
	copy(buf, frame)
	r := C.apm_near(p.apm, p.frame, FrameSamples, C.int(p.delay))
	if r != 0 && r != codeBadStreamParameterWarning {
		return fmt.Errorf("audioproc: near frame: %w", libError(r))
	}
	copy(frame, buf)
	return nil
}

// SetDelay updates the estimate of the echo path's delay in ms (clamped to
// 0-MaxDelayMs); the canceller refines it itself.
func (p *Processor) SetDelay(ms int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = min(max(ms, 0), MaxDelayMs)
}

// Metrics is what the echo canceller measured.
type Metrics struct {
	ERLE     int  // echo return loss enhancement, dB, averaged by the module
	ERL      int  // echo return loss: far-end level over echo level, dB
	DelayMs  int  // the delay the module found (-1: not yet)
	HasEcho  bool // the last near frame held echo
	Measured bool // ERLE and ERL are meaningful
}

// Metrics reports the echo canceller's view; all zero without it.
func (p *Processor) Metrics() (Metrics, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.apm == nil {
		return Metrics{}, ErrClosed
	}
	var m C.apm_metrics
	r := C.apm_get_metrics(p.apm, &m)
	out := Metrics{ERLE: int(m.erle), ERL: int(m.erl), DelayMs: int(m.delay_median), HasEcho: m.has_echo != 0}
	out.Measured = r == 0 && p.cfg.EchoCancel && m.erle > -100
	return out, nil
}

// Close frees the module; later calls return ErrClosed. Closing twice is
// harmless.
func (p *Processor) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.apm == nil {
		return nil
	}
	C.apm_free(p.apm)
	C.free(unsafe.Pointer(p.frame))
	p.apm, p.frame = nil, nil
	return nil
}
