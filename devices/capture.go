package devices

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"sort"
	"strings"
	"sync"

	"github.com/pion/mediadevices/pkg/driver"
	_ "github.com/pion/mediadevices/pkg/driver/camera" // V4L2 cameras
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/rtcterm/rtcterm/store"
)

// errNoDevice means no real device of the kind exists (or none matches the
// requested id); Media then uses a synthetic source without complaint.
var errNoDevice = errors.New("no device")

// syntheticID selects the synthetic source explicitly as a device id.
const syntheticID = "synthetic"

// nullDeviceLabel is how the microphone driver labels miniaudio's null
// capture device: its id "null" in hex. Reading it panics the process.
var nullDeviceLabel = hex.EncodeToString([]byte("null"))

// nullDeviceName is miniaudio's description of its null device.
const nullDeviceName = "discard all samples"

// isNullDevice reports whether a driver is miniaudio's null device, which
// must never be selected or listed as usable.
func isNullDevice(info driver.Info) bool {
	name := strings.ToLower(info.Name)
	return info.Label == nullDeviceLabel || strings.Contains(name, "null") || strings.HasPrefix(name, nullDeviceName)
}

// usableDrivers lists the real drivers of a type, best first (default
// device, then label order), without the null device.
func usableDrivers(t driver.DeviceType) []driver.Driver {
	var out []driver.Driver
	for _, d := range driver.GetManager().Query(driver.FilterDeviceType(t)) {
		if !isNullDevice(d.Info()) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Info(), out[j].Info()
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.Label < b.Label
	})
	return out
}

// pickDriver chooses the driver with the given id (driver id or label), or
// the best one when id is "".
func pickDriver(t driver.DeviceType, id string) (driver.Driver, error) {
	ds := usableDrivers(t)
	if id == syntheticID {
		return nil, errNoDevice
	}
	if id == "" {
		if len(ds) == 0 {
			return nil, errNoDevice
		}
		return ds[0], nil
	}
	avail := make([]DeviceInfo, 0, len(ds))
	for _, d := range ds {
		if d.ID() == id || d.Info().Label == id {
			return d, nil
		}
		avail = append(avail, DeviceInfo{Kind: driverKind(t), ID: d.Info().Label, Label: driverLabel(d.Info())})
	}
	return nil, fmt.Errorf("%w: %w", ErrMediaNotAvailable, &NoSuchDeviceError{Kind: driverKind(t), ID: id, Available: avail})
}

// driverKind is the DeviceInfo kind of a driver type.
func driverKind(t driver.DeviceType) string {
	switch t {
	case driver.Camera:
		return "video"
	case driver.Microphone:
		return "audio"
	}
	return string(t)
}

// driverLabel is a driver's human-readable name.
func driverLabel(info driver.Info) string {
	if info.Name != "" {
		return info.Name
	}
	return info.Label
}

// openCamera opens the configured (or best) camera with the format closest
// to the requested size and frame rate.
func openCamera(c Config) (videoSource, error) {
	d, err := pickDriver(driver.Camera, c.VideoDeviceID)
	if err != nil {
		return nil, err
	}
	vr, ok := d.(driver.VideoRecorder)
	if !ok {
		return nil, fmt.Errorf("%w: camera %q cannot record", ErrMediaNotAvailable, d.Info().Label)
	}
	if err := guard(d.Open); err != nil {
		return nil, fmt.Errorf("%w: camera %q: %w", ErrMediaNotAvailable, d.Info().Label, err)
	}
	var r video.Reader
	err = guard(func() error {
		p, perr := bestVideoProp(d.Properties(), c.Width, c.Height, c.FPS)
		if perr != nil {
			return perr
		}
		var rerr error
		r, rerr = vr.VideoRecord(p)
		return rerr
	})
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("%w: camera %q: %w", ErrMediaNotAvailable, d.Info().Label, err)
	}
	return &deviceVideo{d: d, r: r, track: store.Track{Kind: "video", Label: d.Info().Label, DeviceID: d.Info().Label}}, nil
}

// bestVideoProp picks the decodable format nearest to w×h@fps.
func bestVideoProp(props []prop.Media, w, h, fps int) (prop.Media, error) {
	best, bestScore := prop.Media{}, -1.0
	for _, p := range props {
		if _, err := frame.NewDecoder(p.FrameFormat); err != nil {
			continue
		}
		score := float64(abs(p.Width-w) + abs(p.Height-h))
		if p.FrameRate > 0 {
			score += 4 * max(0, float64(fps)-float64(p.FrameRate))
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore < 0 {
		return prop.Media{}, errors.New("no supported frame format")
	}
	if best.FrameRate == 0 {
		best.FrameRate = float32(fps)
	}
	return best, nil
}

func abs(x int) int { return max(x, -x) }

// deviceVideo is a camera opened through its driver.
type deviceVideo struct {
	d     driver.Driver
	r     video.Reader
	track store.Track
	once  sync.Once
}

// Next reads the next frame from the device; a panic in the driver becomes
// an error.
func (s *deviceVideo) Next(ctx context.Context) (image.Image, error) {
	img, err := readFrame(s.r)
	if err == nil && img == nil {
		err = errors.New("empty frame")
	}
	return img, err
}

// readFrame reads one frame from a driver's reader; a panic in the driver
// becomes an error.
func readFrame(r video.Reader) (image.Image, error) {
	var img image.Image
	err := guard(func() error {
		i, release, err := r.Read()
		if err != nil {
			return err
		}
		img = i
		release()
		return nil
	})
	return img, err
}

func (s *deviceVideo) Describe() store.Track { return s.track }
func (s *deviceVideo) interruptsRead()       {}

// Close closes the driver, once; a blocked Next returns.
func (s *deviceVideo) Close() error {
	var err error
	s.once.Do(func() { err = guard(s.d.Close) })
	return err
}
