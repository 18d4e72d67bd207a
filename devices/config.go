package devices

import (
	"log/slog"
	"time"
)

// Config says what Media captures and how it encodes it.
type Config struct {
	Name             string           // participant name drawn on the synthetic test pattern
	Fake             bool             // force synthetic sources (--fake-media)
	FakeKind         Synthetic        // synthetic video instead of a camera (Fake, or no camera found); "" is the pattern
	Audio, Video     bool             // what to capture (both true normally)
	Width, Height    int              // capture size; default 640x480
	FPS              int              // capture frame rate; default 30
	VideoBitrateKbps int              // VP8 target bitrate; default 800
	AudioDeviceID    string           // optional microphone id (see Enumerate)
	VideoDeviceID    string           // optional camera id (see Enumerate)
	Echo             *EchoCanceller   // cleans a real microphone of what the Player plays; nil: the raw microphone
	Now              func() time.Time // clock shown on the test pattern; default time.Now
	Logger           *slog.Logger     // default: discard
}

// Defaults for the zero fields of Config.
const (
	DefaultWidth            = 640
	DefaultHeight           = 480
	DefaultFPS              = 30
	DefaultVideoBitrateKbps = 800
)

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = DefaultWidth, DefaultHeight
	}
	// VP8 and I420 need even dimensions.
	c.Width &^= 1
	c.Height &^= 1
	if c.FPS <= 0 {
		c.FPS = DefaultFPS
	}
	if c.VideoBitrateKbps <= 0 {
		c.VideoBitrateKbps = DefaultVideoBitrateKbps
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
