package devices

import (
	"github.com/pion/mediadevices/pkg/driver"
)

// DeviceInfo describes one capture device for `rtcterm devices`.
type DeviceInfo struct {
	Kind      string // "audio", "video" or "screen"
	ID        string // stable across runs; pass as Config.AudioDeviceID / VideoDeviceID
	Label     string // human-readable name
	Default   bool   // chosen when no id is given
	Synthetic bool   // a generated source, always available
}

// Enumerate lists the usable cameras, microphones and screens, best first
// per kind, followed by the synthetic sources that are always there.
// Miniaudio's null capture device is never listed.
func Enumerate() ([]DeviceInfo, error) {
	var out []DeviceInfo
	add := func(kind string, t driver.DeviceType) {
		for i, d := range usableDrivers(t) {
			info := d.Info()
			label := info.Name
			if label == "" {
				label = info.Label
			}
			out = append(out, DeviceInfo{Kind: kind, ID: info.Label, Label: label, Default: i == 0 && kind != "screen"})
		}
	}
	add("video", driver.Camera)
	add("audio", driver.Microphone)
	add("screen", driver.Screen)
	out = append(out,
		DeviceInfo{Kind: "video", ID: "synthetic", Label: "test pattern (synthetic)", Synthetic: true},
		DeviceInfo{Kind: "audio", ID: "synthetic", Label: "test tone (synthetic)", Synthetic: true},
	)
	return out, nil
}
