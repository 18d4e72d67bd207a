package devices

import (
	"image"
	"sync/atomic"
	"testing"
)

// TestPreviewSeesSentFramesOnly: the local preview gets the frames that are
// sent, with the configured size, and none while the camera is off.
func TestPreviewSeesSentFramesOnly(t *testing.T) {
	m := openFake(t, "dora")
	var seen, wrongSize atomic.Int64
	m.SetPreview(func(img image.Image) {
		if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
			wrongSize.Add(1)
		}
		seen.Add(1)
	})
	waitFor(t, "preview frames", func() bool { return seen.Load() >= 3 })
	if n := wrongSize.Load(); n > 0 {
		t.Fatalf("%d preview frames not 320x240", n)
	}
	m.SetVideoEnabled(false)
	off := seen.Load()
	ticks := m.Stats().VideoTicks
	waitFor(t, "ten frames while off", func() bool { return m.Stats().VideoTicks >= ticks+10 })
	// One frame may have been on its way when the camera went off.
	if got := seen.Load(); got > off+1 {
		t.Fatalf("preview got %d frames with the camera off", got-off)
	}
}
