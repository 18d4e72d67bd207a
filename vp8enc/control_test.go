package vp8enc

import (
	"errors"
	"image"
	"image/color"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/io/video"
)

// After SetBitRate(800k→150k) the very next second of frames is already
// within 1.3× of the new target, and the encoder is not rebuilt (no key
// frame).
func TestSetBitRateTakesEffect(t *testing.T) {
	c := newClip(640, 480, 30, 2)
	enc := build(t, Params{BitRate: 800_000}, c)
	ch := newChecker(t, 640, 480)
	const switchAt = 3 * 30
	sizes, keys := run(t, enc, c, ch, switchAt+3*30, func(i int) {
		if i == switchAt {
			if err := enc.Controller().(codec.BitRateController).SetBitRate(150_000); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Logf("frames after the switch: %v", sizes[switchAt:switchAt+30])
	before := perSecond(sizes[:switchAt], 30)
	after := perSecond(sizes[switchAt:], 30)
	t.Logf("800 kbit/s: %.0f; after SetBitRate(150k): %.0f kbit/s", before, after)
	if before[2] < 600 {
		t.Fatalf("before the switch %.0f kbit/s: the 800 kbit/s target was not used", before[2])
	}
	for s, r := range after {
		if r > 1.3*150 {
			t.Errorf("second %d after the switch: %.0f kbit/s, over 1.3×150", s, r)
		}
	}
	for i, k := range keys[1:] {
		if k {
			t.Errorf("frame %d is a key frame: the encoder was rebuilt or decided on its own", i+1)
		}
	}
	if err := enc.Controller().(codec.BitRateController).SetBitRate(10); !errors.Is(err, ErrBadParams) {
		t.Errorf("SetBitRate(10) = %v, want ErrBadParams", err)
	}
}

// ForceKeyFrame makes the next frame a key frame; no other key frame
// appears after the first one.
func TestForceKeyFrame(t *testing.T) {
	c := newClip(320, 240, 30, 3)
	enc := build(t, Params{BitRate: 300_000}, c)
	ch := newChecker(t, 320, 240)
	forced := map[int]bool{20: true, 45: true}
	_, keys := run(t, enc, c, ch, 60, func(i int) {
		if forced[i] {
			if err := enc.Controller().(codec.KeyFrameController).ForceKeyFrame(); err != nil {
				t.Fatal(err)
			}
		}
	})
	for i, k := range keys {
		if want := i == 0 || forced[i]; k != want {
			t.Errorf("frame %d: key %v, want %v", i, k, want)
		}
	}
}

// Pictures in other layouts than I420 (4:2:2, RGBA for screens) are
// converted; a new size rebuilds the encoder and starts with a key frame.
func TestFormatsAndResize(t *testing.T) {
	i422 := image.NewYCbCr(image.Rect(0, 0, 320, 240), image.YCbCrSubsampleRatio422)
	for i := range i422.Y {
		i422.Y[i] = byte(i * 7)
	}
	for i := range i422.Cb {
		i422.Cb[i], i422.Cr[i] = 90, 200
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := range 150 {
		for x := range 200 {
			rgba.Set(x, y, color.RGBA{byte(x), byte(y), 100, 255})
		}
	}
	pics := []image.Image{i422, i422, rgba, rgba}
	n := 0
	r := video.ReaderFunc(func() (image.Image, func(), error) {
		if n == len(pics) {
			return nil, func() {}, io.ErrUnexpectedEOF
		}
		n++
		return pics[n-1], func() {}, nil
	})
	c := newClip(320, 240, 30, 4)
	enc, err := Params{Now: c.now}.BuildVideoEncoder(r, media(320, 240, 30))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	wantKey := []bool{true, false, true, false}
	for i, want := range wantKey {
		c.next() // advances the clock
		data, _, err := enc.Read()
		if err != nil {
			t.Fatalf("picture %d: %v", i, err)
		}
		if len(data) == 0 || isKey(data) != want {
			t.Errorf("picture %d: %d bytes, key %v, want key %v", i, len(data), isKey(data), want)
		}
	}
	if _, _, err := enc.Read(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("source error: got %v, want it passed through", err)
	}
}

func TestBadParams(t *testing.T) {
	r := video.ReaderFunc(func() (image.Image, func(), error) { return nil, func() {}, io.EOF })
	for name, p := range map[string]Params{
		"bit rate": {BitRate: 5},
		"speed":    {Speed: 2},
		"quant":    {MaxQuantizer: 70},
		"interval": {KeyFrameInterval: -1},
	} {
		if _, err := p.BuildVideoEncoder(r, media(640, 480, 30)); !errors.Is(err, ErrBadParams) {
			t.Errorf("%s: %v, want ErrBadParams", name, err)
		}
	}
	if _, err := (Params{}).BuildVideoEncoder(r, media(0, 480, 30)); !errors.Is(err, ErrBadParams) {
		t.Errorf("zero width: %v, want ErrBadParams", err)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	c := newClip(160, 120, 30, 5)
	enc := build(t, Params{}, c)
	if _, _, err := enc.Read(); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := enc.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("Read after Close: %v, want io.EOF", err)
	}
	if err := enc.Controller().(codec.BitRateController).SetBitRate(100_000); !errors.Is(err, ErrClosed) {
		t.Errorf("SetBitRate after Close: %v, want ErrClosed", err)
	}
	if err := enc.Controller().(codec.KeyFrameController).ForceKeyFrame(); !errors.Is(err, ErrClosed) {
		t.Errorf("ForceKeyFrame after Close: %v, want ErrClosed", err)
	}
}

// Close frees the libvpx context: a leaked 640×480 encoder holds
// megabytes of C memory, so a hundred build/encode/close cycles must not
// grow the resident set by more than a few of them.
func TestCloseFreesCMemory(t *testing.T) {
	if underASan {
		t.Skip("AddressSanitizer keeps freed memory resident")
	}
	c := newClip(640, 480, 30, 6)
	cycle := func() {
		p := Params{Now: c.now}
		enc, err := p.BuildVideoEncoder(c.reader(), media(640, 480, 30))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := enc.Read(); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		cycle() // let malloc reach its steady state
	}
	before := rssKB(t)
	for range 100 {
		cycle()
	}
	grown := rssKB(t) - before
	t.Logf("resident set grew %d KiB over 100 cycles", grown)
	if grown > 64<<10 {
		t.Errorf("resident set grew %d KiB over 100 encoders: Close leaks", grown)
	}
}

func rssKB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}
