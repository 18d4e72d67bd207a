package store

// Device is one microphone, camera or speaker the call can switch to in
// the middle of a call (the device picker, key D). It is plain data, here
// so the devices, the engines and the UI share it without importing one
// another.
type Device struct {
	// Kind is "audio" (microphone), "video" (camera) or "speaker".
	Kind string
	// ID is what `rtcterm devices` prints and --mic, --camera and
	// --speaker take; an engine's SwitchDevice takes it too.
	ID string
	// Label is the system's name for the device: sanitize it before
	// display (a device can be named anything).
	Label     string
	Current   bool // in use now (or waited for, while it is gone)
	Synthetic bool // a generated source (test tone, test pattern)
}
