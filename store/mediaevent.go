package store

// MediaEventKind says what happened to local media by itself.
type MediaEventKind int

// The kinds of MediaEvent.
const (
	// MediaStreamEnded: a device in use stopped delivering ("Stream Ended");
	// the media has already fallen back (camera → test pattern, microphone →
	// none).
	MediaStreamEnded MediaEventKind = iota + 1
	// MediaNotAvailable: a device was present but could not be opened when
	// the call started, and the media used a fallback.
	MediaNotAvailable
	// MediaScreenShareEnded: screen capture failed while sharing; the media
	// went back to the camera.
	MediaScreenShareEnded
	// MediaDeviceRestored: a device that had gone (MediaStreamEnded) is
	// back and in use again, or the media switched to another device.
	MediaDeviceRestored
)

// String names the kind for logs.
func (k MediaEventKind) String() string {
	switch k {
	case MediaStreamEnded:
		return "stream-ended"
	case MediaNotAvailable:
		return "not-available"
	case MediaScreenShareEnded:
		return "screen-share-ended"
	case MediaDeviceRestored:
		return "device-restored"
	}
	return "unknown"
}

// MediaEvent is how local media (devices.Media) tells the engine (rtc)
// that it changed without being asked. It is plain data defined here, next
// to LocalStream, so the media and the engine share it without importing
// each other. It is an input to the engine, not an action: the engine turns
// it into actions (InitializeLocalStream, SetConnectionError,
// ToggleScreenShare).
type MediaEvent struct {
	Kind  MediaEventKind
	Track string // "audio", "video" or (from the playback) "speaker"
	Err   error  // why; wraps the media's sentinel errors
	// Stream is the local stream after the change.
	Stream LocalStream
}
