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
	last atomic.Int64 // unix nanoseconds of the last callback
	// The waiting goroutine's only: the last presence check, and how many
	// checks in a row found the device missing.
	checked time.Time
	misses  int
}

// goneAfter is how many presence checks in a row (deviceStall apart) must
// miss the device before it counts as gone, so one slow or failed listing
// of a loaded sound server does not drop a working device.
const goneAfter = 2

// beat records a callback at now.
func (w *stallWatch) beat(now time.Time) { w.last.Store(now.UnixNano()) }

// gone reports whether the device has been silent for deviceStall and the
// sound system has not listed it goneAfter times in a row. It asks present
// at most once per deviceStall.
func (w *stallWatch) gone(now time.Time, present func() bool) bool {
	if now.Sub(time.Unix(0, w.last.Load())) < deviceStall {
		w.misses = 0
		return false
	}
	if now.Sub(w.checked) < deviceStall {
		return false
	}
	w.checked = now
	if present() {
		w.misses = 0
		return false
	}
	w.misses++
	return w.misses >= goneAfter
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
