package devices

import (
	"image"
	"syscall"
	"testing"
	"time"
)

// Settings of the camera benchmarks: rtcterm's default capture and target.
const (
	camBenchW, camBenchH = 640, 480
	camBenchFPS          = 30
	camBenchKbps         = 800
	camBenchSeconds      = 5 // media encoded per op of BenchmarkCameraEncode, in real time
)

// BenchmarkCameraRender is the CPU of drawing one 640x480 frame of the
// camera-like synthetic source; one op is one frame. It runs 30 times a
// second next to the encoder, so it has to stay around a millisecond.
func BenchmarkCameraRender(b *testing.B) {
	s := newCameraSource("bench", seedFor("bench"), camBenchW, camBenchH, camBenchFPS, time.Now)
	defer s.Close()
	t := time.Unix(1_700_000_000, 0)
	for b.Loop() {
		t = t.Add(time.Second / camBenchFPS)
		s.render(t)
	}
}

// BenchmarkCameraEncode encodes camBenchSeconds of each synthetic source
// with the real VP8 encoder at 640x480@30 and an 800 kbps target, frame
// by frame and paced by a 30 fps ticker as the video pipeline is. Pacing
// matters: the encoder takes frame durations from the wall clock, and its
// realtime mode spends up to one frame interval per frame, so back-to-back
// frames would distort both rate and CPU. Reported per source:
//   - kbps: the VP8 rate over the wall time of the run (key frame
//     included), what a link would carry, and target-pct, that rate as a
//     share of the target. A webcam fills the target; the camera source
//     must reach ≥ ~80 % of it.
//   - fps: frames encoded per wall second; below 30 the encoder (or a
//     loaded machine) could not keep up and the ticker dropped ticks.
//     B/frame is the mean encoded frame (800 kbps at 30 fps is 3333 B).
//   - encode-cpu-pct: the CPU (user+system, whole process) spent inside
//     the encoder as a percentage of one core over the run, and
//     encode-ms/frame, the same per frame; render-ms/frame is the source's
//     own drawing. Compare the camera figures with the pattern figures of
//     the same run: the pattern is today's budget.
func BenchmarkCameraEncode(b *testing.B) {
	for _, kind := range []Synthetic{SyntheticPattern, SyntheticCamera} {
		b.Run("source="+string(kind), func(b *testing.B) {
			var sum syntheticEncode
			for range b.N {
				r := encodeSynthetic(b, kind, camBenchSeconds*camBenchFPS)
				sum.bytes += r.bytes
				sum.frames += r.frames
				sum.wall += r.wall
				sum.encodeCPU += r.encodeCPU
				sum.renderCPU += r.renderCPU
			}
			kbps := float64(sum.bytes) * 8 / sum.wall.Seconds() / 1000
			b.ReportMetric(kbps, "kbps")
			b.ReportMetric(100*kbps/camBenchKbps, "target-pct")
			b.ReportMetric(float64(sum.frames)/sum.wall.Seconds(), "fps")
			b.ReportMetric(float64(sum.bytes)/float64(sum.frames), "B/frame")
			b.ReportMetric(100*sum.encodeCPU.Seconds()/sum.wall.Seconds(), "encode-cpu-pct")
			b.ReportMetric(sum.encodeCPU.Seconds()*1000/float64(sum.frames), "encode-ms/frame")
			b.ReportMetric(sum.renderCPU.Seconds()*1000/float64(sum.frames), "render-ms/frame")
		})
	}
}

// syntheticEncode is one run of encodeSynthetic.
type syntheticEncode struct {
	bytes, frames        int
	wall                 time.Duration // from the first tick to the last frame encoded
	encodeCPU, renderCPU time.Duration
}

// encodeSynthetic renders and encodes n frames of the synthetic source
// kind with a fresh encoder, as Media would (newVideoFeed), and measures
// the CPU of both steps.
func encodeSynthetic(b *testing.B, kind Synthetic, n int) syntheticEncode {
	b.Helper()
	t := time.Unix(1_700_000_000, 0)
	c := Config{Name: "bench", FakeKind: kind, Width: camBenchW, Height: camBenchH, FPS: camBenchFPS,
		VideoBitrateKbps: camBenchKbps, Now: func() time.Time { return t }}.withDefaults()
	src := newSyntheticSource(c)
	var render func(time.Time) *image.YCbCr
	switch s := src.(type) {
	case *patternSource:
		render = func(t time.Time) *image.YCbCr { s.render(t); return s.frame }
	case *cameraSource:
		render = func(t time.Time) *image.YCbCr { s.render(t); return s.frame }
	default:
		b.Fatalf("source %T cannot be rendered directly", src)
	}
	feed, err := newVideoFeed(src, c.Width, c.Height, c.FPS, c.VideoBitrateKbps)
	if err != nil {
		b.Fatal(err)
	}
	defer feed.close()
	// The encoder takes frame durations from the wall clock and lets its
	// speed follow them (VP8 realtime mode spends up to one frame interval
	// per frame), so frames arrive at the capture rate as in a call, not
	// back to back.
	tick := time.NewTicker(time.Second / camBenchFPS)
	defer tick.Stop()
	var r syntheticEncode
	var start time.Time
	for i := range n {
		<-tick.C
		if i == 0 {
			start = time.Now()
		}
		t0 := processCPU(b)
		img := render(t.Add(time.Duration(i) * time.Second / camBenchFPS))
		t1 := processCPU(b)
		data, _, err := feed.encode(img, i == 0)
		if err != nil {
			b.Fatal(err)
		}
		t2 := processCPU(b)
		r.bytes += len(data)
		r.frames++
		r.renderCPU += t1 - t0
		r.encodeCPU += t2 - t1
	}
	// n frames span n-1 intervals after the first tick, plus the last one's
	// own interval.
	r.wall = time.Since(start) + time.Second/camBenchFPS
	return r
}

// processCPU is the user+system CPU this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
