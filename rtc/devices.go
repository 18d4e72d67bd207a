package rtc

import (
	"context"
	"errors"
	"fmt"

	"github.com/rtcterm/rtcterm/store"
)

// ErrSwitchUnsupported reports a device switch nobody in this session can
// make: the media or the playback does not list devices, or the kind is
// unknown.
var ErrSwitchUnsupported = errors.New("device switching not supported")

// DeviceSwitcher is what LocalMedia and AudioSink may also do: list the
// devices of their kinds ("audio" microphones and "video" cameras for the
// media, "speaker" for playback) and switch to one in the middle of a
// call, without touching the tracks. devices.Media and devices.Player
// implement it.
type DeviceSwitcher interface {
	Devices() ([]store.Device, error)
	SwitchDevice(kind, id string) error
}

// OutputReporter is an AudioSink that reports what happened to its output
// by itself (the speaker vanished, or is back), as LocalMedia.Events does
// for capture. devices.Player implements it.
type OutputReporter interface {
	Events() <-chan store.MediaEvent
}

// Devices lists the microphones, cameras and speakers the call can switch
// to (SwitchDevice), the ones in use marked. It may take a moment: it asks
// the sound system.
func (s *Session) Devices() ([]store.Device, error) {
	s.mu.Lock()
	m, closed := s.media, s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	var out []store.Device
	var errs []error
	for _, sw := range []any{m, s.cfg.Audio} {
		if sw, ok := sw.(DeviceSwitcher); ok {
			list, err := sw.Devices()
			out = append(out, list...)
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// SwitchDevice makes device id of kind ("audio", "video" or "speaker")
// the one the call uses, keeping every track and connection: what the
// peers receive changes source, not stream. A switched microphone or
// camera is reported as store.InitializeLocalStream; a switched speaker
// reports itself (store.SetAudioOutput). ErrNoMedia without local media,
// ErrSwitchUnsupported when nothing here switches that kind.
func (s *Session) SwitchDevice(kind, id string) error {
	s.switchMu.Lock()
	defer s.switchMu.Unlock()
	s.mu.Lock()
	m, closed, noMedia := s.media, s.closed, s.noMedia
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	switch kind {
	case "speaker":
		sw, ok := s.cfg.Audio.(DeviceSwitcher)
		if !ok {
			return fmt.Errorf("%w: no playback to switch", ErrSwitchUnsupported)
		}
		return sw.SwitchDevice(kind, id)
	case "audio", "video":
		if m == nil || noMedia {
			return fmt.Errorf("switch device: %w", ErrNoMedia)
		}
		sw, ok := m.(DeviceSwitcher)
		if !ok {
			return fmt.Errorf("%w: the media has no devices to switch", ErrSwitchUnsupported)
		}
		if err := sw.SwitchDevice(kind, id); err != nil {
			return err
		}
		s.emit(store.InitializeLocalStream{Stream: m.Description()})
		return nil
	}
	return fmt.Errorf("%w: unknown device kind %q", ErrSwitchUnsupported, kind)
}

// watchOutput forwards what the playback reports about its speaker to the
// session loop until ctx ends (the playback outlives the session, so its
// channel may never close).
func (s *Session) watchOutput(ctx context.Context) {
	rep, ok := s.cfg.Audio.(OutputReporter)
	if !ok {
		return
	}
	events := rep.Events()
	if events == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				s.post(func() { s.outputEvent(ev) })
			}
		}
	}()
}

// outputEvent records whether remote audio is played: a vanished speaker
// is the reason it is not, one that is back (or switched to) clears it.
func (s *Session) outputEvent(ev store.MediaEvent) {
	reason := ""
	if ev.Err != nil {
		reason = ev.Err.Error()
	}
	s.emit(store.SetAudioOutput{Reason: reason})
}
