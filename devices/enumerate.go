package devices

import (
	"github.com/gen2brain/malgo"
	"github.com/pion/mediadevices/pkg/driver"
)

// DeviceInfo describes one device for `rtcterm devices`.
type DeviceInfo struct {
	// Kind is "video" (camera), "audio" (microphone), "speaker" (audio
	// output) or "screen".
	Kind string
	// ID is stable across runs (PulseAudio's source or sink name, the V4L2
	// device); pass it as Config.VideoDeviceID, Config.AudioDeviceID or
	// PlayerConfig.OutputDeviceID.
	ID        string
	Label     string // human-readable name
	Default   bool   // chosen when no id is given
	Synthetic bool   // a generated source, always available
}

// Enumerate lists the usable cameras, microphones, speakers and screens,
// the default first per kind, followed by the synthetic sources that are
// always there. Microphones and speakers are looked up now, not at program
// start, so devices plugged in since are listed. Miniaudio's null device is
// never listed.
func Enumerate() ([]DeviceInfo, error) {
	var out []DeviceInfo
	add := func(kind string, t driver.DeviceType) {
		for i, d := range usableDrivers(t) {
			out = append(out, DeviceInfo{Kind: kind, ID: d.Info().Label, Label: driverLabel(d.Info()), Default: i == 0 && kind != "screen"})
		}
	}
	add("video", driver.Camera)
	mics, speakers := audioDeviceLists()
	for _, d := range mics {
		out = append(out, DeviceInfo{Kind: "audio", ID: d.ID, Label: d.Name, Default: d.Default})
	}
	for _, d := range speakers {
		out = append(out, DeviceInfo{Kind: "speaker", ID: d.ID, Label: d.Name, Default: d.Default})
	}
	add("screen", driver.Screen)
	out = append(out,
		DeviceInfo{Kind: "video", ID: syntheticID, Label: "test pattern (synthetic)", Synthetic: true},
		DeviceInfo{Kind: "audio", ID: syntheticID, Label: "test tone (synthetic)", Synthetic: true},
	)
	return out, nil
}

// audioDeviceLists lists microphones and speakers; without a sound system
// both are empty (the synthetic tone still works, playback is off).
func audioDeviceLists() (mics, speakers []audioDevice) {
	ctx, err := newAudioContext()
	if err != nil {
		return nil, nil
	}
	defer freeAudioContext(ctx)
	mics, _ = listAudioDevices(ctx, malgo.Capture)
	speakers, _ = listAudioDevices(ctx, malgo.Playback)
	markDefault(mics)
	markDefault(speakers)
	return mics, speakers
}

// markDefault makes sure exactly the first device is the default, as
// findAudioDevice picks it for "".
func markDefault(devs []audioDevice) {
	for i := range devs {
		devs[i].Default = i == 0
	}
}
