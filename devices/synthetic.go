package devices

import (
	"errors"
	"fmt"
	"hash/fnv"
)

// Synthetic names the generated video source that stands in for a camera
// (Config.FakeKind, the value of --fake-media).
type Synthetic string

// The synthetic video sources.
const (
	// SyntheticDefault is the zero value; it means SyntheticPattern.
	SyntheticDefault Synthetic = ""
	// SyntheticPattern is the colour-bar test pattern: cheap, legible, and
	// so static that VP8 needs only ~110 kbps for it at 640x480.
	SyntheticPattern Synthetic = "pattern"
	// SyntheticCamera is a camera-like picture: a detailed scene under a
	// slow pan and zoom, a figure swaying in front of it and sensor noise in
	// every frame, so VP8 fills its target bitrate as with a webcam. Use it
	// to see how calls behave when the video is expensive.
	SyntheticCamera Synthetic = "camera"
)

// ErrUnknownSynthetic reports a synthetic source name ParseSynthetic does
// not know.
var ErrUnknownSynthetic = errors.New("unknown synthetic video source")

// ParseSynthetic reads a --fake-media value: "pattern" or "camera" (an
// empty string is the default, the pattern).
func ParseSynthetic(s string) (Synthetic, error) {
	switch k := Synthetic(s); k {
	case SyntheticDefault, SyntheticPattern, SyntheticCamera:
		return k, nil
	}
	return "", fmt.Errorf("%w: %q (want %q or %q)", ErrUnknownSynthetic, s, SyntheticPattern, SyntheticCamera)
}

// newSyntheticSource builds the synthetic video source c.FakeKind asks for.
// The camera-like picture is seeded by the participant's name, so every
// participant sees a different scene and a run is repeatable.
func newSyntheticSource(c Config) videoSource {
	if c.FakeKind == SyntheticCamera {
		return newCameraSource(c.Name, seedFor(c.Name), c.Width, c.Height, c.FPS, c.Now)
	}
	return newPatternSource(c.Name, c.Width, c.Height, c.FPS, c.Now)
}

// seedFor derives the synthetic camera's seed from a participant name.
func seedFor(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name)) // a hash.Hash never fails to write
	return h.Sum64()
}
