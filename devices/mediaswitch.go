package devices

import (
	"errors"
	"fmt"

	"github.com/rtcterm/rtcterm/store"
)

// ErrSwitchUnsupported reports a device switch the media or the playback
// cannot make (a kind it does not have, playback turned off).
var ErrSwitchUnsupported = errors.New("device switch not supported")

// Devices lists the microphones and cameras the call can switch to, as
// Enumerate does (with the synthetic sources), the ones in use marked.
func (m *Media) Devices() ([]store.Device, error) {
	list, err := Enumerate()
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	m.mu.Lock()
	var mic, cam string
	if m.live != nil {
		mic = m.live.current()
	}
	if m.video.camera != nil {
		cam = m.video.cameraLocked().Describe().DeviceID
	}
	m.mu.Unlock()
	var out []store.Device
	for _, d := range list {
		cur := ""
		switch d.Kind {
		case "audio":
			cur = mic
		case "video":
			cur = cam
		default:
			continue
		}
		out = append(out, store.Device{Kind: d.Kind, ID: d.ID, Label: d.Label, Current: d.ID == cur, Synthetic: d.Synthetic})
	}
	return out, nil
}

// SwitchDevice makes the device id of kind ("audio": a microphone, "video":
// a camera) feed the call's track, without touching the track or the
// encoder: the peers hear or see the new device in the same stream. It
// emits no event: the caller reports the switch (rtc emits the new local
// stream). On failure the old device stays in use.
func (m *Media) SwitchDevice(kind, id string) error {
	m.mu.Lock()
	live, closed := m.live, m.closed
	m.mu.Unlock()
	if closed {
		return ErrClosed
	}
	switch kind {
	case "audio":
		if live == nil {
			return fmt.Errorf("%w: this call sends no audio", ErrSwitchUnsupported)
		}
		if err := live.switchTo(id); err != nil {
			return err
		}
		m.cfg.Logger.Info("microphone switched", "device", id)
		return nil
	case "video":
		return m.switchCamera(id)
	}
	return fmt.Errorf("%w: unknown device kind %q", ErrSwitchUnsupported, kind)
}

// micPresentLocked reports whether there is a microphone to send: while
// a vanished one is away the encoder runs on silence, which is not sent
// (receive-only, as with no microphone). m.mu is held.
func (m *Media) micPresentLocked() bool { return m.live == nil || m.live.present() }

// audioEvent reports what the microphone did by itself (gone, back).
func (m *Media) audioEvent(kind store.MediaEventKind, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.emitLocked(kind, "audio", err)
}

// switchCamera opens the camera id (or the synthetic picture, id
// "synthetic") and hands it to the video loop, which swaps it into the
// camera feed before its next frame: the feed's encoder and the track stay,
// and the first frame from the new camera is a key frame.
func (m *Media) switchCamera(id string) error {
	var src videoSource
	if id == syntheticID {
		src = newSyntheticSource(m.cfg)
	} else {
		c := m.cfg
		c.VideoDeviceID = id
		cam, err := openCamera(c)
		if err != nil {
			return fmt.Errorf("switch camera: %w", err)
		}
		src = cam
	}
	m.mu.Lock()
	if m.closed || m.video.camera == nil {
		m.mu.Unlock()
		_ = src.Close()
		if m.closed {
			return ErrClosed
		}
		return fmt.Errorf("%w: this call sends no video", ErrSwitchUnsupported)
	}
	earlier := m.video.nextCam
	m.video.nextCam = src
	cur := m.video.camera.src
	m.mu.Unlock()
	if earlier != nil {
		_ = earlier.Close() // a switch the loop had not made yet
	}
	if _, ok := cur.(interrupting); ok {
		_ = cur.Close() // a Next blocked on the old camera returns
	}
	m.video.poke()
	m.cfg.Logger.Info("camera switched", "device", id)
	return nil
}

// takeCameraSwitchLocked makes a pending camera switch and returns the
// source it replaced, for the loop to close; nil without one. m.mu is held.
func (p *videoPipe) takeCameraSwitchLocked() videoSource {
	if p.nextCam == nil || p.camera == nil {
		return nil
	}
	old := p.camera.src
	p.camera.src, p.nextCam = p.nextCam, nil
	p.forceNext = true
	return old
}

// switching reports whether feed's error comes from a camera switch (the
// old camera was closed under a blocked read) rather than a failure.
func (p *videoPipe) switching(feed *videoFeed) bool {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	return feed == p.camera && p.nextCam != nil
}

// cameraLocked is the camera source in use, or the one a pending switch
// puts in use before the next frame. m.mu is held.
func (p *videoPipe) cameraLocked() videoSource {
	if p.nextCam != nil {
		return p.nextCam
	}
	return p.camera.src
}
