package devices

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// audioBackends are the sound systems rtcterm talks to, best first.
// Miniaudio's null backend is left out on purpose: it "plays" into nothing
// and records silence, which would hide that nobody hears anything.
var audioBackends = []malgo.Backend{malgo.BackendPulseaudio, malgo.BackendAlsa, malgo.BackendJack}

// audioDevice is one microphone or speaker found through miniaudio.
type audioDevice struct {
	ID      string // stable, readable: e.g. PulseAudio's source or sink name
	Name    string // human-readable description
	Default bool
	raw     malgo.DeviceID
}

// newAudioContext connects to the sound system. It is created per use (not
// at program start) so devices that appear later are found.
func newAudioContext() (*malgo.AllocatedContext, error) {
	ctx, err := malgo.InitContext(audioBackends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("no sound system: %w", err)
	}
	return ctx, nil
}

// freeAudioContext releases a context from newAudioContext.
func freeAudioContext(ctx *malgo.AllocatedContext) {
	_ = ctx.Uninit()
	ctx.Free()
}

// deviceIDString is the stable ID of a device: its miniaudio ID as text when
// that is printable (PulseAudio and ALSA names are), else hex. The same
// device gets the same ID on every run.
func deviceIDString(id malgo.DeviceID) string {
	b := id[:]
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return id.String()
	}
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return id.String()
		}
	}
	return string(b)
}

// isNullAudioDevice reports miniaudio's null device, which must never be
// used (reading it has panicked before).
func isNullAudioDevice(id, name string) bool {
	n := strings.ToLower(name)
	return id == "null" || id == nullDeviceLabel || strings.HasPrefix(n, nullDeviceName) || strings.Contains(n, "null device")
}

// listAudioDevices lists the usable capture or playback devices, the
// default first.
func listAudioDevices(ctx *malgo.AllocatedContext, kind malgo.DeviceType) ([]audioDevice, error) {
	infos, err := ctx.Devices(kind)
	if err != nil {
		return nil, fmt.Errorf("list audio devices: %w", err)
	}
	var out []audioDevice
	for _, info := range infos {
		d := audioDevice{ID: deviceIDString(info.ID), Name: info.Name(), Default: info.IsDefault != 0, raw: info.ID}
		if d.Name == "" {
			d.Name = d.ID
		}
		if !isNullAudioDevice(d.ID, d.Name) {
			out = append(out, d)
		}
	}
	out = hardwareOnlyOnALSA(out)
	// Default first, the rest in the order the sound system gives.
	for i, d := range out {
		if d.Default && i > 0 {
			copy(out[1:i+1], out[:i])
			out[0] = d
			break
		}
	}
	return out, nil
}

// findAudioDevice picks the device with id (its ID or hex form) or, when id
// is "", the default one. A missing id is an ErrNoSuchDevice listing what
// exists.
func findAudioDevice(devs []audioDevice, kind, id string) (audioDevice, error) {
	if id == "" {
		if len(devs) == 0 {
			return audioDevice{}, errNoDevice
		}
		return devs[0], nil
	}
	for _, d := range devs {
		if d.ID == id || d.raw.String() == id {
			return d, nil
		}
	}
	avail := make([]DeviceInfo, 0, len(devs))
	for _, d := range devs {
		avail = append(avail, DeviceInfo{Kind: kind, ID: d.ID, Label: d.Name, Default: d.Default})
	}
	return audioDevice{}, &NoSuchDeviceError{Kind: kind, ID: id, Available: avail}
}

// initAudioDevice opens dev (nil: the default device) with cfg. The device
// ID is pinned for the call only: miniaudio copies it while opening.
func initAudioDevice(ctx *malgo.AllocatedContext, cfg malgo.DeviceConfig, dev *audioDevice, cb malgo.DeviceCallbacks) (*malgo.Device, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	if dev != nil {
		raw := new(malgo.DeviceID)
		*raw = dev.raw
		pin.Pin(raw)
		switch cfg.DeviceType {
		case malgo.Capture:
			cfg.Capture.DeviceID = unsafe.Pointer(raw)
		default:
			cfg.Playback.DeviceID = unsafe.Pointer(raw)
		}
	}
	d, err := malgo.InitDevice(ctx.Context, cfg, cb)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// errDeviceStopped is a device that stopped on its own (unplugged, the
// sound server went away).
var errDeviceStopped = errors.New("audio device stopped")

// alsaVirtualPCMs are names ALSA lists as PCMs that are plugins, not
// devices (alsa-plugins: rate converters, up/down mixers, bridges to sound
// servers). Without a sound server miniaudio falls back to ALSA, whose hint
// list is mostly these; none of them is a microphone or a speaker.
var alsaVirtualPCMs = map[string]bool{
	"default": true, "sysdefault": true, "null": true, "pulse": true, "jack": true, "oss": true,
	"speex": true, "upmix": true, "vdownmix": true, "a52": true, "usb_stream": true, "arcam_av": true,
}

// hardwareOnlyOnALSA keeps only cards (hw:, plughw:, …CARD=…) when the list
// is ALSA's, so a machine without sound hardware lists no audio device and
// rtcterm falls back to its synthetic tone, as it says it does. A sound
// server's list (PulseAudio names its sources and sinks) is kept as it is.
func hardwareOnlyOnALSA(devs []audioDevice) []audioDevice {
	isVirtual := func(id string) bool {
		base, _, _ := strings.Cut(id, ":")
		return alsaVirtualPCMs[base] || strings.HasPrefix(base, "lavrate") || strings.HasPrefix(base, "samplerate") || strings.HasPrefix(base, "speexrate")
	}
	isCard := func(id string) bool {
		return strings.Contains(id, "CARD=") || strings.HasPrefix(id, "hw:") || strings.HasPrefix(id, "plughw:")
	}
	alsa := false
	for _, d := range devs {
		alsa = alsa || isVirtual(d.ID) || isCard(d.ID)
	}
	if !alsa {
		return devs
	}
	var cards []audioDevice
	for _, d := range devs {
		if isCard(d.ID) {
			cards = append(cards, d)
		}
	}
	return cards
}
