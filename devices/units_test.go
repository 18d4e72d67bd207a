package devices

import (
	"image"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
)

func TestNullDeviceIsNeverUsable(t *testing.T) {
	cases := []struct {
		info driver.Info
		null bool
	}{
		{driver.Info{Label: "6e756c6c", Name: "Discard all samples (playback) or generate zero samples (capture)", DeviceType: driver.Microphone}, true},
		{driver.Info{Label: "6e756c6d", Name: "Discard all samples (playback) or generate zero samples (capture)", DeviceType: driver.Microphone}, true},
		{driver.Info{Label: "6e756c6c", DeviceType: driver.Microphone}, true},
		{driver.Info{Label: "616c73615f696e707574", Name: "Null Output", DeviceType: driver.Microphone}, true},
		{driver.Info{Label: "686c3a31", Name: "USB Audio", DeviceType: driver.Microphone}, false},
		{driver.Info{Label: "video0", Name: "", DeviceType: driver.Camera}, false},
	}
	for _, c := range cases {
		if got := isNullDevice(c.info); got != c.null {
			t.Errorf("isNullDevice(%+v) = %v, want %v", c.info, got, c.null)
		}
	}
	for _, d := range usableDrivers(driver.Microphone) {
		if isNullDevice(d.Info()) {
			t.Fatalf("usableDrivers lists the null device %+v", d.Info())
		}
	}
	list, err := Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	synthetic := 0
	for _, d := range list {
		if d.ID == nullDeviceLabel {
			t.Fatalf("Enumerate lists the null device: %+v", d)
		}
		if d.Synthetic {
			synthetic++
		}
	}
	if synthetic != 2 {
		t.Fatalf("Enumerate lists %d synthetic sources, want 2", synthetic)
	}
}

func TestPatternMovesAndShowsNameAndClock(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	s := newPatternSource("Zoë", 320, 240, 30, func() time.Time { return now })
	defer s.Close()
	s.render(now)
	a := append([]byte(nil), s.frame.Y...)
	s.render(now.Add(500 * time.Millisecond))
	b := s.frame.Y
	// The sweeping bar moved: the bar area differs; the name area does not.
	barsBottom := 240 * 2 / 3
	if equalRows(a, b, 320, 0, barsBottom) {
		t.Fatal("pattern did not move in half a second")
	}
	nameTop := barsBottom + 6
	if !equalRows(a, b, 320, nameTop, nameTop+glyphH) {
		t.Fatal("name area changed between frames")
	}
	if bright(s.frame, image.Rect(8, nameTop, 8+3*glyphW, nameTop+glyphH)) == 0 {
		t.Fatal("no name text drawn")
	}
	clockTop := barsBottom + 6 + glyphH + 4
	if equalRows(a, b, 320, clockTop, clockTop+2*glyphH) {
		t.Fatal("clock did not change")
	}
	if got := fitText("abcdefghij", 5*glyphW); got != "abcd~" {
		t.Fatalf("fitText = %q", got)
	}
}

func equalRows(a, b []byte, stride, y0, y1 int) bool {
	return string(a[y0*stride:y1*stride]) == string(b[y0*stride:y1*stride])
}

func bright(img *image.YCbCr, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.Y[y*img.YStride+x] > 200 {
				n++
			}
		}
	}
	return n
}

func TestToneFrequencyDiffersByName(t *testing.T) {
	seen := map[float64]bool{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		f := toneFrequency(n)
		if f < 330 || f > 880 {
			t.Fatalf("toneFrequency(%q) = %v", n, f)
		}
		seen[f] = true
	}
	if len(seen) < 3 {
		t.Fatalf("only %d distinct pitches for 6 names", len(seen))
	}
}
