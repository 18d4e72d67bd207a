package devices

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"
	"time"
)

// cameraFrame renders the camera source's frame for t and returns a copy.
func cameraFrame(s *cameraSource, t time.Time) *image.YCbCr {
	s.render(t)
	f := *s.frame
	f.Y = bytes.Clone(s.frame.Y)
	f.Cb = bytes.Clone(s.frame.Cb)
	f.Cr = bytes.Clone(s.frame.Cr)
	return &f
}

func sameFrame(a, b *image.YCbCr) bool {
	return bytes.Equal(a.Y, b.Y) && bytes.Equal(a.Cb, b.Cb) && bytes.Equal(a.Cr, b.Cr)
}

func TestCameraSourceSizeAndDeterminism(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, size := range []image.Point{{640, 480}, {320, 240}, {160, 120}} {
		a := newCameraSource("Zoë", 42, size.X, size.Y, 30, time.Now)
		b := newCameraSource("Zoë", 42, size.X, size.Y, 30, time.Now)
		other := newCameraSource("Zoë", 43, size.X, size.Y, 30, time.Now)
		fa, fb, fo := cameraFrame(a, t0), cameraFrame(b, t0), cameraFrame(other, t0)
		if got := fa.Rect; got != image.Rect(0, 0, size.X, size.Y) || fa.SubsampleRatio != image.YCbCrSubsampleRatio420 ||
			len(fa.Y) != size.X*size.Y || len(fa.Cb) != size.X*size.Y/4 {
			t.Fatalf("%v: frame %v ratio %v, %d luma / %d chroma samples", size, got, fa.SubsampleRatio, len(fa.Y), len(fa.Cb))
		}
		if !sameFrame(fa, fb) {
			t.Fatalf("%v: two sources with seed 42 drew different frames for the same time", size)
		}
		if sameFrame(fa, fo) {
			t.Fatalf("%v: seeds 42 and 43 drew the same frame", size)
		}
		for _, s := range []*cameraSource{a, b, other} {
			_ = s.Close()
		}
	}
	if seedFor("alice") == seedFor("bob") {
		t.Fatal("two names got the same seed")
	}
}

func TestCameraSourceMovesAndIsNoisy(t *testing.T) {
	const w, h = 320, 240
	s := newCameraSource("Zoë", 7, w, h, 30, time.Now)
	defer s.Close()
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	a := cameraFrame(s, t0)
	next := cameraFrame(s, t0.Add(time.Second/30))
	later := cameraFrame(s, t0.Add(time.Second))

	// Noise: from one frame to the next nearly every luma sample changes
	// (motion alone would leave flat areas alone).
	changed := 0
	for i := range a.Y {
		if a.Y[i] != next.Y[i] {
			changed++
		}
	}
	if changed < len(a.Y)/2 {
		t.Fatalf("only %d of %d luma samples changed between consecutive frames", changed, len(a.Y))
	}
	// Motion: block means average the noise out; over a second of pan the
	// picture itself must have changed in most blocks.
	moved, blocks := 0, 0
	for by := 0; by+16 <= h*2/3; by += 16 { // above the caption
		for bx := 0; bx+16 <= w; bx += 16 {
			r := image.Rect(bx, by, bx+16, by+16)
			if d := blockMean(a, r) - blockMean(later, r); d > 4 || d < -4 {
				moved++
			}
			blocks++
		}
	}
	if moved < blocks/2 {
		t.Fatalf("picture moved in only %d of %d blocks over one second", moved, blocks)
	}
	// Detail: a camera-like picture is not flat; the mean absolute
	// difference between horizontal neighbours is well above the noise.
	var grad int
	for y := range h * 2 / 3 {
		for x := 1; x < w; x++ {
			d := int(a.Y[y*a.YStride+x]) - int(a.Y[y*a.YStride+x-1])
			grad += max(d, -d)
		}
	}
	if mean := float64(grad) / float64((h*2/3)*(w-1)); mean < 4 {
		t.Fatalf("mean neighbour difference %.1f: picture too flat", mean)
	}
}

func TestCameraSourceShowsNameAndClock(t *testing.T) {
	const w, h = 320, 240
	s := newCameraSource("Zoë", 7, w, h, 30, time.Now)
	defer s.Close()
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	a := cameraFrame(s, t0)
	b := cameraFrame(s, t0.Add(time.Second))
	top := h - (6 + glyphH + 4 + 2*glyphH + 6)
	name := image.Rect(6, top+6, 6+3*glyphW, top+6+glyphH)
	if bright(a, name) == 0 {
		t.Fatal("no name drawn")
	}
	clockTop := top + 6 + glyphH + 4
	if equalRows(a.Y, b.Y, w, clockTop, clockTop+2*glyphH) {
		t.Fatal("caption rows identical a second apart: clock not running")
	}
}

func TestCameraSourceNextAndClose(t *testing.T) {
	s := newCameraSource("x", 1, 64, 48, 100, time.Now)
	img, err := s.Next(context.Background())
	if err != nil || img.Bounds() != image.Rect(0, 0, 64, 48) {
		t.Fatalf("Next = %v, %v", img.Bounds(), err)
	}
	_ = s.Close()
	_ = s.Close() // twice is fine
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
}

func TestOpenFakeCamera(t *testing.T) {
	m, err := Open(context.Background(), Config{Name: "lee", Fake: true, FakeKind: SyntheticCamera, Video: true, Width: 160, Height: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	d := m.Description()
	if len(d.Tracks) != 1 || d.Tracks[0].Label != "synthetic camera" || !d.Tracks[0].Synthetic {
		t.Fatalf("Description = %+v, want the synthetic camera", d)
	}
	waitFor(t, "camera frames", func() bool { return m.Stats().VideoFrames > 3 })
}

func TestParseSynthetic(t *testing.T) {
	for in, want := range map[string]Synthetic{"": SyntheticDefault, "pattern": SyntheticPattern, "camera": SyntheticCamera} {
		if got, err := ParseSynthetic(in); err != nil || got != want {
			t.Errorf("ParseSynthetic(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSynthetic("webcam"); !errors.Is(err, ErrUnknownSynthetic) {
		t.Errorf("ParseSynthetic(webcam) error %v, want ErrUnknownSynthetic", err)
	}
}

// blockMean is the mean luma of r.
func blockMean(img *image.YCbCr, r image.Rectangle) float64 {
	var sum int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += int(img.Y[y*img.YStride+x])
		}
	}
	return float64(sum) / float64(r.Dx()*r.Dy())
}
