package devices

import "github.com/rtcterm/rtcterm/store"

// EventKind says what happened to local media.
type EventKind int

// The kinds of Event.
const (
	// StreamEnded: a device in use stopped delivering (the seed's "Stream
	// Ended"); Media has already fallen back (camera → test pattern,
	// microphone → none). Err wraps ErrStreamEnded.
	StreamEnded EventKind = iota + 1
	// NotAvailable: a device was present but could not be opened when the
	// call started, and Media used a fallback. Err wraps ErrMediaNotAvailable.
	NotAvailable
	// ScreenShareEnded: screen capture failed while sharing; Media went back
	// to the camera. Err wraps ErrStreamEnded.
	ScreenShareEnded
)

// String names the kind for logs.
func (k EventKind) String() string {
	switch k {
	case StreamEnded:
		return "stream-ended"
	case NotAvailable:
		return "not-available"
	case ScreenShareEnded:
		return "screen-share-ended"
	}
	return "unknown"
}

// Event tells the owner of a Media that its local media changed without
// being asked to.
type Event struct {
	Kind  EventKind
	Track string // "audio" or "video"
	Err   error
	// Stream is the local stream after the change (what Description returns).
	Stream store.LocalStream
}
