package devices

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/gen2brain/malgo"
)

// errDeviceGone is a microphone or speaker that stopped delivering and is
// no longer listed by the sound system (unplugged, its PulseAudio module
// unloaded).
var errDeviceGone = errors.New("device gone")

// deviceStall is how long a device may stay silent before the sound system
// is asked whether it still exists. Miniaudio does not report a PulseAudio
// stream the server killed (the source or sink was removed): the callbacks
// just stop. A live device calls back every 10–20 ms, so a stall this long
// is rare and the (millisecond) listing it costs is cheap.
const deviceStall = 500 * time.Millisecond

// stallWatch notices a device whose callbacks stopped. The device's thread
// beats; the goroutine that waits for the device asks gone.
type stallWatch struct {
	last    atomic.Int64 // unix nanoseconds of the last callback
	checked time.Time    // the last presence check; the waiting goroutine's only
}

// beat records a callback at now.
func (w *stallWatch) beat(now time.Time) { w.last.Store(now.UnixNano()) }

// gone reports whether the device has been silent for deviceStall and the
// sound system no longer lists it. It asks present at most once per
// deviceStall.
func (w *stallWatch) gone(now time.Time, present func() bool) bool {
	if now.Sub(time.Unix(0, w.last.Load())) < deviceStall || now.Sub(w.checked) < deviceStall {
		return false
	}
	w.checked = now
	return !present()
}

// audioDevicePresent reports whether the sound system lists a capture or
// playback device with id now. Without a sound system nothing is present.
func audioDevicePresent(kind malgo.DeviceType, id string) bool {
	ctx, err := newAudioContext()
	if err != nil {
		return false
	}
	defer freeAudioContext(ctx)
	devs, err := listAudioDevices(ctx, kind)
	if err != nil {
		return false
	}
	for _, d := range devs {
		if d.ID == id {
			return true
		}
	}
	return false
}

// stopAndUninit releases a miniaudio device without hanging on one whose
// stream the server killed. ma_device_uninit only marks the device and
// waits for its worker thread, which sits in pa_mainloop_iterate until
// PulseAudio calls back, which a killed stream never does; ma_device_stop
// wakes the main loop first (measured: Uninit alone never returned after
// `pactl unload-module` of the source).
func stopAndUninit(dev *malgo.Device) {
	_ = dev.Stop()
	dev.Uninit()
}
