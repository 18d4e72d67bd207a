package devices

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/wave"
	"github.com/rtcterm/rtcterm/store"
)

// Reopening a vanished device: the first attempt after reopenFirst, then
// twice as long each time up to reopenMax, so a device that comes back is
// in use again within reopenMax and one that never does costs a listing of
// the sound system every reopenMax.
const (
	reopenFirst = 250 * time.Millisecond
	reopenMax   = 2 * time.Second
)

// DeviceGoneError is a microphone or speaker that vanished in the middle
// of a call. The call goes on without it (receive-only for its kind) and
// it is taken up again when it comes back.
type DeviceGoneError struct {
	What  string // "microphone" or "speaker"
	Label string // the device's name as the system gives it
	Then  string // what happens meanwhile, e.g. "receiving only"
	Cause error
}

// Error reads e.g. "microphone gone: Sine source at 440 Hz; receiving only".
func (e *DeviceGoneError) Error() string {
	return fmt.Sprintf("%s gone: %s; %s", e.What, e.Label, e.Then)
}

// Unwrap makes errors.Is(err, ErrStreamEnded) hold, and exposes the cause.
func (e *DeviceGoneError) Unwrap() []error { return []error{ErrStreamEnded, e.Cause} }

// liveMic is the audio source the Opus encoder reads for the whole call:
// it hands out the chunks of the microphone in use, and silence at
// real-time pace while there is none (the device vanished), so the
// encoder and the track stay as they are. Switching the microphone swaps
// what it reads; a vanished device is reopened by its ID, with backoff,
// until it is back.
type liveMic struct {
	ctx    context.Context // ends with the media; the tone source needs it
	cfg    Config
	open   func(Config) (audioSource, error) // a real microphone by Config.AudioDeviceID
	notify func(kind store.MediaEventKind, err error)
	closed chan struct{}

	mu      sync.Mutex
	inner   audioSource // in use; nil while the device is gone
	track   store.Track // the device in use, or the one waited for
	gone    bool
	retryAt time.Time
	backoff time.Duration
	done    bool      // Close was called
	next    time.Time // when the next silent chunk is due
}

func newLiveMic(ctx context.Context, cfg Config, src audioSource, open func(Config) (audioSource, error), notify func(store.MediaEventKind, error)) *liveMic {
	return &liveMic{ctx: ctx, cfg: cfg, open: open, notify: notify, closed: make(chan struct{}), inner: src, track: src.Describe()}
}

// Read returns the next 20 ms chunk of the microphone in use, or of
// silence while it is gone.
func (s *liveMic) Read() (wave.Audio, func(), error) {
	for {
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			return nil, func() {}, ErrClosed
		}
		in := s.inner
		s.mu.Unlock()
		if in == nil {
			return s.silence()
		}
		chunk, release, err := in.Read()
		if err == nil {
			return chunk, release, nil
		}
		if s.ctx.Err() != nil {
			return nil, func() {}, s.ctx.Err()
		}
		s.lost(in, err)
	}
}

// lost retires in after it failed, unless it was switched away or closed
// meanwhile (its Close made the Read fail).
func (s *liveMic) lost(in audioSource, cause error) {
	s.mu.Lock()
	if s.inner != in || s.done {
		s.mu.Unlock()
		return
	}
	s.inner, s.gone = nil, true
	s.backoff = reopenFirst
	s.retryAt = time.Now().Add(s.backoff)
	s.next = time.Time{}
	tr := s.track
	s.mu.Unlock()
	_ = in.Close()
	then := "receiving only"
	if tr.Synthetic {
		then = "no audio"
	}
	s.notify(store.MediaStreamEnded, &DeviceGoneError{What: "microphone", Label: tr.Label, Then: then, Cause: cause})
}

// silence waits until the next chunk is due and returns a silent one; on
// the way it tries to reopen the vanished device when an attempt is due.
func (s *liveMic) silence() (wave.Audio, func(), error) {
	s.mu.Lock()
	now := time.Now()
	if s.next.IsZero() || s.next.Before(now.Add(-time.Second)) {
		s.next = now
	}
	s.next = s.next.Add(20 * time.Millisecond)
	wait := s.next.Sub(now)
	reopen := s.gone && !s.track.Synthetic && !now.Before(s.retryAt)
	s.mu.Unlock()

	if reopen {
		s.reopen()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-s.closed:
		return nil, func() {}, ErrClosed
	case <-s.ctx.Done():
		return nil, func() {}, s.ctx.Err()
	case <-t.C:
	}
	return wave.NewInt16Interleaved(wave.ChunkInfo{Len: chunkSamples, Channels: 1, SamplingRate: sampleRate}), func() {}, nil
}

// reopen tries once to open the vanished microphone again by its ID.
func (s *liveMic) reopen() {
	s.mu.Lock()
	c := s.cfg
	c.AudioDeviceID = s.track.DeviceID
	s.mu.Unlock()
	src, err := s.open(c)
	s.mu.Lock()
	if err != nil {
		s.backoff = min(2*s.backoff, reopenMax)
		s.retryAt = time.Now().Add(s.backoff)
		s.mu.Unlock()
		return
	}
	if s.done || !s.gone {
		s.mu.Unlock()
		_ = src.Close() // closed or switched meanwhile
		return
	}
	s.inner, s.gone, s.track = src, false, src.Describe()
	s.mu.Unlock()
	s.notify(store.MediaDeviceRestored, nil)
}

// switchTo makes the microphone with id (or the synthetic tone, id
// "synthetic") the one the encoder reads, without a gap in the track. The
// old device is closed; on failure nothing changes.
func (s *liveMic) switchTo(id string) error {
	var src audioSource
	if id == syntheticID {
		src = newToneSource(s.ctx, s.cfg.Name)
	} else {
		c := s.cfg
		c.AudioDeviceID = id
		var err error
		if src, err = s.open(c); err != nil {
			return fmt.Errorf("switch microphone: %w", err)
		}
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		_ = src.Close()
		return ErrClosed
	}
	old := s.inner
	s.inner, s.gone, s.track = src, false, src.Describe()
	s.mu.Unlock()
	if old != nil {
		_ = old.Close() // a Read blocked on it returns, and the next reads src
	}
	return nil
}

// present reports whether a device is in use (false while it is gone).
func (s *liveMic) present() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inner != nil
}

// current is the ID of the microphone in use or waited for.
func (s *liveMic) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.track.DeviceID
}

// Describe is the microphone in use, or the one waited for.
func (s *liveMic) Describe() store.Track {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.track
}

// interruptsRead: Close makes a blocked Read return.
func (s *liveMic) interruptsRead() {}

// Close releases the device in use; a blocked Read returns. Closing twice
// is harmless.
func (s *liveMic) Close() error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil
	}
	s.done = true
	in := s.inner
	s.inner = nil
	s.mu.Unlock()
	close(s.closed)
	if in != nil {
		return in.Close()
	}
	return nil
}
