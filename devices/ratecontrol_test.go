package devices

import (
	"image"
	"sync/atomic"
	"testing"
	"time"
)

// TestSetVideoTargetFollowsTheNetwork: the shared encoder's output follows
// SetVideoTarget — a lower bitrate makes smaller frames, a lower frame rate
// fewer frames, pause none at all, and resuming starts with a key frame.
func TestSetVideoTargetFollowsTheNetwork(t *testing.T) {
	m := openFake(t, "frank")
	if kbps, fps := m.MaxVideo(); kbps != 300 || fps != 30 {
		t.Fatalf("MaxVideo = %d kbps, %d fps; want the configured 300, 30", kbps, fps)
	}
	waitFor(t, "first frames", func() bool { return m.Stats().VideoFrames > 5 })
	window := func(d time.Duration) (fps, kbps float64, keys uint64) {
		a := m.Stats()
		start := time.Now()
		time.Sleep(d)
		b := m.Stats()
		secs := time.Since(start).Seconds()
		return float64(b.VideoFrames-a.VideoFrames) / secs, float64(b.VideoBytes-a.VideoBytes) * 8 / 1000 / secs, b.KeyFrames - a.KeyFrames
	}
	fullFPS, fullKbps, _ := window(2 * time.Second)

	m.SetVideoTarget(30, 30, false)
	time.Sleep(time.Second) // the rate controller settles
	_, lowKbps, _ := window(2 * time.Second)

	m.SetVideoTarget(30, 15, false)
	halfFPS, _, _ := window(2 * time.Second)

	var previews atomic.Int64
	m.SetPreview(func(image.Image) { previews.Add(1) })
	m.SetVideoTarget(0, 15, true)
	time.Sleep(100 * time.Millisecond) // a frame in flight
	p0 := previews.Load()
	pausedFPS, _, _ := window(time.Second)
	if previews.Load()-p0 < 10 {
		t.Errorf("paused for bandwidth: the self-view got %d frames in 1 s, want it to keep moving", previews.Load()-p0)
	}

	before := m.Stats()
	m.SetVideoTarget(0, 0, false)
	waitFor(t, "video after resume", func() bool { return m.Stats().VideoFrames > before.VideoFrames })
	after := m.Stats()

	t.Logf("full %.1f fps %.0f kbps; at 30 kbps %.0f kbps; at 15 fps %.1f fps; paused %.1f fps", fullFPS, fullKbps, lowKbps, halfFPS, pausedFPS)
	if fullFPS < 20 {
		t.Fatalf("only %.1f fps at full rate (machine too loaded to judge)", fullFPS)
	}
	if lowKbps >= fullKbps*0.8 {
		t.Errorf("30 kbps target: %.0f kbps, not below the %.0f kbps at 300", lowKbps, fullKbps)
	}
	if halfFPS > fullFPS*0.65 || halfFPS < fullFPS*0.35 {
		t.Errorf("15 fps target: %.1f fps, want about half of %.1f", halfFPS, fullFPS)
	}
	if pausedFPS != 0 {
		t.Errorf("paused: %.1f fps written", pausedFPS)
	}
	if after.KeyFrames == before.KeyFrames {
		t.Errorf("resume did not start with a key frame: %d frames, %d key frames", after.VideoFrames-before.VideoFrames, after.KeyFrames-before.KeyFrames)
	}
}

// TestHalfSizeHysteresis: pictures are halved below halfBelowKbps, kept
// halved up to fullFromKbps, and a pause or "as configured" keeps the size.
func TestHalfSizeHysteresis(t *testing.T) {
	steps := []struct {
		kbps int
		want bool
	}{
		{800, false},
		{350, false}, // inside the band: stays full
		{250, true},
		{400, true}, // inside the band: stays half
		{0, true},   // paused
		{450, false},
		{0, false},
	}
	half := false
	for i, s := range steps {
		half = halfSize(s.kbps, half)
		if half != s.want {
			t.Fatalf("step %d (%d kbps): half %v, want %v", i, s.kbps, half, s.want)
		}
	}
}

// TestHalverAverages: the halver gives a 4:2:0 picture of half the size
// whose samples are the 2×2 averages, and leaves small or other pictures.
func TestHalverAverages(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	for y := range 480 {
		for x := range 640 {
			src.Y[y*src.YStride+x] = byte((x % 2) * 100) // columns 0,100,0,100…
		}
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = 10, 250
	}
	var h halver
	got, ok := h.half(src).(*image.YCbCr)
	if !ok || got.Rect.Dx() != 320 || got.Rect.Dy() != 240 || got.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		t.Fatalf("half of 640×480: %T %v", h.half(src), got.Rect)
	}
	if got.Y[0] != 50 || got.Y[239*got.YStride+319] != 50 || got.Cb[0] != 10 || got.Cr[len(got.Cr)-1] != 250 {
		t.Fatalf("samples Y %d/%d Cb %d Cr %d, want 50/50 10 250", got.Y[0], got.Y[239*got.YStride+319], got.Cb[0], got.Cr[len(got.Cr)-1])
	}
	small := image.NewYCbCr(image.Rect(0, 0, 320, 240), image.YCbCrSubsampleRatio420)
	if h.half(small) != image.Image(small) {
		t.Fatal("a 320×240 picture was halved")
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 640, 480))
	if h.half(rgba) != image.Image(rgba) {
		t.Fatal("an RGBA picture was halved")
	}
}
