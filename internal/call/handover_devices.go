package call

import (
	"fmt"

	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
)

// Devices implements tui.Engine. The mesh session holds the shared media
// for the whole call (after the move it keeps signaling, not peers), so it
// lists and switches the devices whichever engine carries the media.
func (h *handover) Devices() ([]store.Device, error) { return h.mesh.Devices() }

// SwitchDevice implements tui.Engine, as Devices: a switched microphone or
// camera changes the source under the shared tracks, which both engines
// send, and a switched speaker is the one player both feed.
func (h *handover) SwitchDevice(kind, id string) error { return h.mesh.SwitchDevice(kind, id) }

// Devices lists the player's speakers, when the sink behind the gate is
// one that switches (rtc.DeviceSwitcher).
func (a audioSide) Devices() ([]store.Device, error) {
	if sw, ok := a.lv.(rtc.DeviceSwitcher); ok {
		return sw.Devices()
	}
	return nil, nil
}

// SwitchDevice switches the player's speaker.
func (a audioSide) SwitchDevice(kind, id string) error {
	if sw, ok := a.lv.(rtc.DeviceSwitcher); ok {
		return sw.SwitchDevice(kind, id)
	}
	return fmt.Errorf("%w: no playback to switch", rtc.ErrSwitchUnsupported)
}

// Events passes on what the player reports about its speaker (gone, back,
// switched), so the engine behind the gate can tell the store; nil when
// the player reports nothing.
func (a audioSide) Events() <-chan store.MediaEvent {
	if rep, ok := a.lv.(rtc.OutputReporter); ok {
		return rep.Events()
	}
	return nil
}
