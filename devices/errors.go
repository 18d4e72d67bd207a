package devices

import "errors"

// ErrMediaNotAvailable reports that a capture device is missing, busy or not
// permitted. It is docs/slice.md's "Media Not Available".
var ErrMediaNotAvailable = errors.New("Media Not Available")

// ErrStreamEnded reports that a capture device stopped delivering while in
// use (unplugged, driver error). It is docs/slice.md's "Stream Ended".
var ErrStreamEnded = errors.New("Stream Ended")

// ErrScreenUnavailable reports that screen capture cannot start, most often
// because there is no X11 display.
var ErrScreenUnavailable = errors.New("screen capture not available")

// ErrClosed is returned by Media methods called after Close.
var ErrClosed = errors.New("devices: media closed")
