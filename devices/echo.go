package devices

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/mediadevices/pkg/wave"
	"github.com/rtcterm/rtcterm/audioproc"
)

// EchoCanceller cleans the microphone of what the loudspeaker plays, and
// of noise, and evens out its level (audioproc's WebRTC processing). One
// serves one call: give it to the Player (PlayerConfig.Echo), which feeds
// it exactly what it hands the output device, and to Media (Config.Echo),
// which runs the microphone's chunks through it before Opus encodes them.
// Only a real speaker feeds it and only a real microphone is cleaned:
// synthetic sources and test outputs pass by it.
type EchoCanceller struct {
	proc *audioproc.Processor
	log  *slog.Logger

	farMu sync.Mutex // the output's thread; one caller at a time anyway
	far   []int16    // played samples not yet a whole 10 ms frame

	farOn, nearOn atomic.Bool
	outDelay      atomic.Int64 // ms from handing a sample to the speaker until it sounds
	inDelay       atomic.Int64 // ms from the microphone hearing a sample until it is cleaned
	errs          atomic.Int64 // frames the processor refused (logged once)
}

// NewEchoCanceller creates the processing with audioproc.Default: echo
// cancellation, noise suppression, gain control and high-pass filter.
func NewEchoCanceller(log *slog.Logger) (*EchoCanceller, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := audioproc.New(audioproc.Default())
	if err != nil {
		return nil, fmt.Errorf("echo canceller: %w", err)
	}
	return &EchoCanceller{proc: p, log: log, far: make([]int16, 0, 2*maxFrame)}, nil
}

// Active reports whether the canceller is in the path both ways: a real
// speaker feeds it and a real microphone goes through it (the header's
// "AEC on"). A nil canceller is never active.
func (e *EchoCanceller) Active() bool {
	return e != nil && e.farOn.Load() && e.nearOn.Load()
}

// Metrics is what the echo canceller measured so far.
func (e *EchoCanceller) Metrics() (audioproc.Metrics, error) { return e.proc.Metrics() }

// Close frees the processing; later frames pass through untouched. Close
// it after the Player and Media using it.
func (e *EchoCanceller) Close() error {
	e.farOn.Store(false)
	e.nearOn.Store(false)
	return e.proc.Close()
}

// loudspeaker is an Output that sounds in a room, so its sound comes back
// through the microphone: the device output. latency is how long a sample
// handed to fill takes to sound.
type loudspeaker interface {
	latency() time.Duration
}

// tapFar wraps the Player's fill so every sample handed to the speaker
// also goes to the canceller as the far end.
func (e *EchoCanceller) tapFar(fill func([]int16), out Output) func([]int16) {
	ls, ok := out.(loudspeaker)
	if e == nil || !ok {
		return fill
	}
	e.outDelay.Store(ls.latency().Milliseconds())
	e.updateDelay()
	e.farOn.Store(true)
	return func(buf []int16) {
		fill(buf)
		e.farFrames(buf)
	}
}

// farFrames cuts played samples into 10 ms frames for the processor.
func (e *EchoCanceller) farFrames(buf []int16) {
	e.farMu.Lock()
	defer e.farMu.Unlock()
	e.far = append(e.far, buf...)
	n := 0
	for ; n+audioproc.FrameSamples <= len(e.far); n += audioproc.FrameSamples {
		e.check(e.proc.ProcessFar(e.far[n : n+audioproc.FrameSamples]))
	}
	e.far = e.far[:copy(e.far, e.far[n:])]
	if len(e.far) > cap(e.far)/2 {
		e.far = e.far[:0] // cannot happen with whole frames; bounded anyway
	}
}

// check logs the processor's first error; audio goes on unprocessed.
func (e *EchoCanceller) check(err error) {
	if err != nil && !errors.Is(err, audioproc.ErrClosed) && e.errs.Add(1) == 1 {
		e.log.Warn("echo canceller", "err", err)
	}
}

// updateDelay gives the processor the delay estimate of the whole echo
// path; its delay-agnostic mode refines it.
func (e *EchoCanceller) updateDelay() {
	e.proc.SetDelay(int(e.outDelay.Load() + e.inDelay.Load()))
}

// wrapNear puts the canceller in front of a real microphone.
func (e *EchoCanceller) wrapNear(src audioSource, inDelay time.Duration) audioSource {
	if e == nil {
		return src
	}
	e.inDelay.Store(inDelay.Milliseconds())
	e.updateDelay()
	e.nearOn.Store(true)
	c := &cleanedMic{audioSource: src, e: e}
	if _, ok := src.(interrupting); ok {
		return &cleanedDeviceMic{c}
	}
	return c
}

// cleanedMic is a microphone whose chunks go through the canceller.
type cleanedMic struct {
	audioSource
	e *EchoCanceller
}

// Read returns the next chunk, cleaned in 10 ms frames.
func (c *cleanedMic) Read() (wave.Audio, func(), error) {
	a, release, err := c.audioSource.Read()
	if err != nil {
		return a, release, err
	}
	if pcm, ok := a.(*wave.Int16Interleaved); ok && pcm.Size.Channels == 1 {
		d := pcm.Data
		for n := 0; n+audioproc.FrameSamples <= len(d); n += audioproc.FrameSamples {
			c.e.check(c.e.proc.ProcessNear(d[n : n+audioproc.FrameSamples]))
		}
	}
	return a, release, nil
}

// Close detaches the canceller and closes the microphone.
func (c *cleanedMic) Close() error {
	c.e.nearOn.Store(false)
	return c.audioSource.Close()
}

// cleanedDeviceMic is a cleanedMic over a source whose Close interrupts
// Read (a real device).
type cleanedDeviceMic struct{ *cleanedMic }

func (*cleanedDeviceMic) interruptsRead() {}

// untapFar undoes tapFar when the output did not start.
func (e *EchoCanceller) untapFar() {
	if e != nil {
		e.farOn.Store(false)
	}
}

// cleaned reports whether src goes through a canceller.
func cleaned(src audioSource) bool {
	switch src.(type) {
	case *cleanedMic, *cleanedDeviceMic:
		return true
	}
	return false
}

// Device buffering, for the canceller's first delay estimate. miniaudio
// keeps outPeriods periods of outPeriodMs queued for the speaker (its
// default of 3); the microphone's 10 ms periods wait in the capture pacer
// for about half a 20 ms chunk before the encoder reads them.
const (
	outPeriodMs = 20
	outPeriods  = 3
	micLatency  = micPeriodMs*time.Millisecond + 10*time.Millisecond
)

// latency is how long a sample handed to fill waits before it sounds: the
// device's queue.
func (o *deviceOutput) latency() time.Duration {
	return outPeriods * outPeriodMs * time.Millisecond
}
