package devices

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoSuchDevice reports a device ID (--mic, --camera, --speaker) that
// matches no device. The error is a *NoSuchDeviceError listing what exists.
var ErrNoSuchDevice = errors.New("no such device")

// NoSuchDeviceError is a requested device that does not exist, with the
// devices of that kind that do.
type NoSuchDeviceError struct {
	Kind      string       // "audio", "video" or "speaker"
	ID        string       // what was asked for
	Available []DeviceInfo // what exists, as Enumerate lists it
}

// kindNoun names a device kind for people.
func kindNoun(kind string) string {
	switch kind {
	case "audio":
		return "microphone"
	case "video":
		return "camera"
	}
	return kind
}

// Error says what was asked for and lists the IDs to choose from.
func (e *NoSuchDeviceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: no %s with id %q", ErrNoSuchDevice, kindNoun(e.Kind), e.ID)
	if len(e.Available) == 0 {
		fmt.Fprintf(&b, "; there is no %s", kindNoun(e.Kind))
		return b.String()
	}
	b.WriteString("; available:")
	for i, d := range e.Available {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s (%s)", d.ID, d.Label)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrNoSuchDevice) hold.
func (e *NoSuchDeviceError) Unwrap() error { return ErrNoSuchDevice }

// CheckDevice validates a device ID of kind "audio" (microphone), "video"
// (camera) or "speaker" before a call starts, so a typo is reported with
// the list of what exists instead of silently falling back. "" (the
// default) and "synthetic" (audio or video) are always valid.
func CheckDevice(kind, id string) error {
	if id == "" || (id == syntheticID && kind != "speaker") {
		return nil
	}
	list, err := Enumerate()
	if err != nil {
		return err
	}
	var avail []DeviceInfo
	for _, d := range list {
		if d.Kind != kind {
			continue
		}
		if d.ID == id {
			return nil
		}
		avail = append(avail, d)
	}
	return &NoSuchDeviceError{Kind: kind, ID: id, Available: avail}
}
