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
// serves one call: give it to the Player (PlayerConfig.Echo), which hands
// it exactly what it gives the output device, and to Media (Config.Echo),
// which runs the microphone's chunks through it before Opus encodes them.
// Only a real speaker feeds it and only a real microphone is cleaned:
// synthetic sources and test outputs pass by it.
//
// The far end is paired with the near end by sample count, not by when
// the calls happen: the speaker is pulled in device periods (sometimes
// several at once), and a loaded machine delays either side's callbacks
// by up to a few hundred ms, then delivers the backlog at once. Both sides
// run at 48 kHz without gaps, though, so the n-th played frame and the
// n-th captured frame stay the same distance apart in time. The played
// frames queue here and the capture side hands the processor one of them
// before each captured frame; the processor's delay-agnostic mode finds
// that distance. The capture side is the device's own callback (before
// the capture pacer, whose holding time varies), so the distance is the
// echo path's own: speaker buffer, room, microphone buffer. The playback
// thread only copies.
type EchoCanceller struct {
	proc *audioproc.Processor
	log  *slog.Logger

	mu      sync.Mutex // guards the far queue, between the playback thread and the capture side
	nearMu  sync.Mutex // serializes the capture side: while the microphone is switched, two capture callbacks run at once
	partial []int16    // played samples not yet a whole 10 ms frame
	queue   []int16    // whole played frames not yet handed to the processor, oldest first
	owed    int        // captured frames processed without their far frame yet
	started bool       // the capture side has begun: the queue has been cut to its first depth
	farT0   time.Time  // when the speaker first pulled
	pulled  int64      // samples pulled since farT0, silence it played while starved included
	now     func() time.Time

	farOn    atomic.Bool
	nearOn   atomic.Int32 // microphones wrapped and not closed (two at once during a switch)
	outDelay atomic.Int64 // ms from handing a sample to the speaker until it sounds
	inDelay  atomic.Int64 // ms from the microphone hearing a sample until it is cleaned
	errs     atomic.Int64 // frames the processor refused (logged once)

	farBuf []int16 // the capture side's copy of the far frames it hands over
	nearIn []int16 // captured samples not yet a whole 10 ms frame
}

// Far queue bounds, in 10 ms frames. At the first captured frame the queue
// keeps only the newest farStart frames (the speaker may have been playing
// long before the microphone opened). More than farMax frames means the
// microphone stopped being read (or runs slower than the speaker): the
// oldest are dropped down to farStart. More than owedMax captured frames
// without a played one means the speaker stopped pulling (and the clock
// check in farFrames missed it): it played silence, which is what the
// processor is given.
const (
	farStart = 2
	farMax   = 50
	owedMax  = 50
)

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
	return &EchoCanceller{proc: p, log: log, now: time.Now}, nil
}

// Active reports whether the canceller is in the path both ways: a real
// speaker feeds it and a real microphone goes through it (the header's
// "AEC on"). A nil canceller is never active.
func (e *EchoCanceller) Active() bool {
	return e != nil && e.farOn.Load() && e.nearOn.Load() > 0
}

// Close frees the processing; later frames pass through untouched. Close
// it after the Player and Media using it.
func (e *EchoCanceller) Close() error {
	e.farOn.Store(false)
	e.nearOn.Store(0)
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

// underrunMin is the shortfall of pulled samples (against the clock) that
// counts as the speaker having run dry: beyond what clock jitter and a
// device's drift explain.
const underrunMin = sampleRate * 30 / 1000

// farFrames queues played samples as whole 10 ms frames. It runs on the
// playback thread and only copies. When the speaker's pulls fell behind
// the clock (this process was starved), the device ran dry and played
// silence meanwhile: that silence is queued first, so the count of played
// frames stays true.
func (e *EchoCanceller) farFrames(buf []int16) {
	const n = audioproc.FrameSamples
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.farT0.IsZero() {
		e.farT0 = now
	}
	if gap := int64(now.Sub(e.farT0).Seconds()*sampleRate) - e.pulled; gap > underrunMin {
		gap = min(gap, farMax*n)
		e.partial = append(e.partial, make([]int16, gap)...)
		e.pulled += gap
	}
	e.pulled += int64(len(buf))
	e.partial = append(e.partial, buf...)
	whole := len(e.partial) / n * n
	e.queue = append(e.queue, e.partial[:whole]...)
	e.partial = e.partial[:copy(e.partial, e.partial[whole:])]
	if len(e.queue) > farMax*n {
		e.dropFarLocked(farStart)
	}
}

// dropFarLocked keeps only the newest keep frames of the queue.
func (e *EchoCanceller) dropFarLocked(keep int) {
	const n = audioproc.FrameSamples
	if over := len(e.queue) - keep*n; over > 0 {
		e.queue = e.queue[:copy(e.queue, e.queue[over:])]
	}
}

// takeFar returns the far frames due before the next captured frame (one,
// or more to catch up), or silence for a speaker that stopped pulling.
func (e *EchoCanceller) takeFar() []int16 {
	const n = audioproc.FrameSamples
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		e.started = true
		e.dropFarLocked(farStart)
	}
	e.owed++
	k := min(e.owed, len(e.queue)/n)
	e.farBuf = append(e.farBuf[:0], e.queue[:k*n]...)
	e.queue = e.queue[:copy(e.queue, e.queue[k*n:])]
	e.owed -= k
	if e.owed > owedMax {
		e.farBuf = append(e.farBuf, make([]int16, e.owed*n)...)
		e.owed = 0
	}
	return e.farBuf
}

// nearFrame cleans one captured 10 ms frame in place, after handing the
// processor the far frames that go with it.
func (e *EchoCanceller) nearFrame(frame []int16) {
	e.nearMu.Lock()
	defer e.nearMu.Unlock()
	e.nearFrameLocked(frame)
}

// nearFrameLocked is nearFrame with e.nearMu held.
func (e *EchoCanceller) nearFrameLocked(frame []int16) {
	const n = audioproc.FrameSamples
	if e.farOn.Load() {
		far := e.takeFar()
		for i := 0; i+n <= len(far); i += n {
			e.check(e.proc.ProcessFar(far[i : i+n]))
		}
	}
	e.check(e.proc.ProcessNear(frame))
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

// wrapNear puts the canceller in front of a real microphone: a device
// microphone cleans in its capture callback, any other source in Read.
func (e *EchoCanceller) wrapNear(src audioSource, inDelay time.Duration) audioSource {
	if e == nil {
		return src
	}
	e.inDelay.Store(inDelay.Milliseconds())
	e.updateDelay()
	e.nearOn.Add(1)
	if dm, ok := src.(*deviceMic); ok {
		dm.setCleaner(e.clean)
		return dm
	}
	c := &cleanedMic{audioSource: src, e: e}
	if _, ok := src.(interrupting); ok {
		return &cleanedDeviceMic{c}
	}
	return c
}

// clean runs captured samples through the canceller in 10 ms frames and
// returns the cleaned samples ready so far (a partial frame waits for the
// next call; a microphone delivers whole 10 ms periods, so none waits).
// The cleaned samples are appended to out[:0], which the caller owns, so
// two microphones capturing at once during a switch never share a buffer.
func (e *EchoCanceller) clean(in, out []int16) []int16 {
	const n = audioproc.FrameSamples
	e.nearMu.Lock()
	defer e.nearMu.Unlock()
	e.nearIn = append(e.nearIn, in...)
	whole := len(e.nearIn) / n * n
	out = append(out[:0], e.nearIn[:whole]...)
	e.nearIn = e.nearIn[:copy(e.nearIn, e.nearIn[whole:])]
	for i := 0; i < whole; i += n {
		e.nearFrameLocked(out[i : i+n])
	}
	return out
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
			c.e.nearFrame(d[n : n+audioproc.FrameSamples])
		}
	}
	return a, release, nil
}

// Close detaches the canceller and closes the microphone.
func (c *cleanedMic) Close() error {
	c.e.nearOn.Add(-1)
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
	switch s := src.(type) {
	case *cleanedMic, *cleanedDeviceMic:
		return true
	case *liveMic:
		s.mu.Lock()
		in := s.inner
		s.mu.Unlock()
		return in != nil && cleaned(in)
	case *deviceMic:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.clean != nil
	}
	return false
}

// setCleaner makes the capture callback run every delivery through clean
// before the pacer.
func (m *deviceMic) setCleaner(clean func(in, out []int16) []int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clean = clean
}

// Device buffering, for the canceller's first delay estimate. miniaudio
// keeps outPeriods periods of outPeriodMs queued for the speaker (its
// default of 3); the microphone is cleaned as each 10 ms period arrives.
const (
	outPeriodMs = 20
	outPeriods  = 3
	micLatency  = micPeriodMs * time.Millisecond
)

// latency is how long a sample handed to fill waits before it sounds: the
// device's queue.
func (o *deviceOutput) latency() time.Duration {
	return outPeriods * outPeriodMs * time.Millisecond
}
