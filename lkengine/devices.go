package lkengine

import (
	"context"
	"errors"
	"fmt"

	"github.com/rtcterm/rtcterm/store"
)

// ErrSwitchUnsupported reports a device switch neither the media nor the
// playback of this engine can make.
var ErrSwitchUnsupported = errors.New("device switching not supported")

// DeviceSwitcher is what LocalMedia and AudioSink may also do (rtc's
// DeviceSwitcher's shape): list their devices and switch one in the middle
// of a call without touching the published tracks. devices.Media and
// devices.Player implement it.
type DeviceSwitcher interface {
	Devices() ([]store.Device, error)
	SwitchDevice(kind, id string) error
}

// Devices lists the microphones, cameras and speakers the call can switch
// to, the ones in use marked.
func (e *Engine) Devices() ([]store.Device, error) {
	e.mu.Lock()
	m := e.media
	e.mu.Unlock()
	var out []store.Device
	var errs []error
	for _, sw := range []any{m, e.cfg.Audio} {
		if sw, ok := sw.(DeviceSwitcher); ok {
			list, err := sw.Devices()
			out = append(out, list...)
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// SwitchDevice makes device id of kind ("audio", "video" or "speaker") the
// one the call uses; the published tracks stay, so the room hears or sees
// the new device in the same publication.
func (e *Engine) SwitchDevice(kind, id string) error {
	e.mu.Lock()
	m, closed := e.media, e.closed
	e.mu.Unlock()
	if closed {
		return ErrClosed
	}
	var target any = m
	if kind == "speaker" {
		target = e.cfg.Audio
	}
	sw, ok := target.(DeviceSwitcher)
	if !ok {
		return fmt.Errorf("%w: nothing here switches %q devices", ErrSwitchUnsupported, kind)
	}
	if err := sw.SwitchDevice(kind, id); err != nil {
		return err
	}
	if kind != "speaker" && m != nil {
		e.emit(store.InitializeLocalStream{Stream: m.Description()})
	}
	return nil
}

// Reporter is media or an audio sink that reports what happened to its
// devices by itself (a microphone or speaker gone or back, a camera
// fallen back to the test pattern): devices.Media and devices.Player.
type Reporter interface {
	Events() <-chan store.MediaEvent
}

// watchReports turns the media's and the playback's own reports into
// store actions, as the mesh does, until ctx ends (which comes before the
// media is closed, so nothing waits on a channel that closes later).
func (e *Engine) watchReports(ctx context.Context) {
	e.mu.Lock()
	m := e.media
	e.mu.Unlock()
	for _, src := range []any{m, e.cfg.Audio} {
		rep, ok := src.(Reporter)
		if !ok || rep.Events() == nil {
			continue
		}
		events := rep.Events()
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			mediaErr := ""
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-events:
					if !ok {
						return
					}
					mediaErr = e.report(ev, mediaErr)
				}
			}
		}()
	}
}

// report emits what one event means for the store and returns the media
// error now standing ("" once its device is back).
func (e *Engine) report(ev store.MediaEvent, mediaErr string) string {
	if ev.Track == "speaker" {
		reason := ""
		if ev.Err != nil {
			reason = ev.Err.Error()
		}
		e.emit(store.SetAudioOutput{Reason: reason})
		return mediaErr
	}
	e.emit(store.InitializeLocalStream{Stream: ev.Stream})
	switch {
	case ev.Err != nil:
		mediaErr = ev.Err.Error()
		e.emit(store.SetConnectionError{Error: mediaErr})
	case ev.Kind == store.MediaDeviceRestored && mediaErr != "":
		mediaErr = ""
		e.emit(store.SetConnectionError{})
	}
	return mediaErr
}
