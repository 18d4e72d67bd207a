package devices

import (
	"context"
	"image"

	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/rtcterm/rtcterm/store"
)

// videoSource delivers raw frames to the video pipeline. Only the pipeline
// goroutine calls Next; Close is called once, after that goroutine stopped
// calling Next, except for sources whose Close unblocks Next (interrupting).
type videoSource interface {
	// Next blocks until the next frame is due and returns it. The image is
	// only valid until the following call. It returns ctx.Err() when ctx is
	// done.
	Next(ctx context.Context) (image.Image, error)
	// Describe says what the source is, for LocalStream.
	Describe() store.Track
	// Close releases the device.
	Close() error
}

// audioSource delivers raw PCM chunks (48 kHz) to the Opus encoder, which
// reads it through audio.Reader. Read returns an error once the source is
// closed or its context is done.
type audioSource interface {
	audio.Reader
	Describe() store.Track
	Close() error
}

// interrupting is implemented by sources whose Close makes a blocked Next or
// Read return (real devices). Close is then called before waiting for the
// pipeline goroutine; other sources are closed after it stopped.
type interrupting interface {
	interruptsRead()
}
