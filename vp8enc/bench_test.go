package vp8enc

import (
	"fmt"
	"image"
	"syscall"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/io/video"
)

// loop is a pre-rendered stretch of the busy clip, replayed in a cycle
// so the benchmarks time the encoder, not the picture.
type loop struct {
	frames []*image.YCbCr
	n      int
	clock  time.Time
}

func newLoop(n int) *loop {
	c := newClip(640, 480, 30, 9)
	l := &loop{clock: c.t0}
	for range n {
		f := c.next()
		cp := *f
		cp.Y = append([]byte(nil), f.Y...)
		cp.Cb = append([]byte(nil), f.Cb...)
		cp.Cr = append([]byte(nil), f.Cr...)
		l.frames = append(l.frames, &cp)
	}
	return l
}

func (l *loop) reader() video.Reader {
	return video.ReaderFunc(func() (image.Image, func(), error) {
		f := l.frames[l.n%len(l.frames)]
		l.n++
		l.clock = l.clock.Add(time.Second / 30)
		return f, func() {}, nil
	})
}

func (l *loop) now() time.Time { return l.clock }

// encodeBench reads b.N frames after a one-second warm-up and reports
// bytes per frame, the resulting rate at 30 fps and dropped frames.
func encodeBench(b *testing.B, enc codec.ReadCloser) {
	defer enc.Close()
	for range 30 {
		if _, _, err := enc.Read(); err != nil {
			b.Fatal(err)
		}
	}
	total, drops := 0, 0
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		data, release, err := enc.Read()
		if err != nil {
			b.Fatal(err)
		}
		release()
		total += len(data)
		if len(data) == 0 {
			drops++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/frame")
	b.ReportMetric(float64(total)/float64(b.N), "B/frame")
	b.ReportMetric(float64(total)*8*30/1000/float64(b.N), "kbit/s@30fps")
	b.ReportMetric(float64(drops)/float64(b.N), "drops/frame")
}

// cpuTime is the process's user+system CPU time: on this shared machine
// wall time per frame includes waiting for a core, CPU time does not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEncode800 compares this encoder with mediadevices' vpx encoder
// (configured as devices configures it) on the same busy 640×480 picture
// at 800 kbit/s. mediadevices times frames by the wall clock, so in this
// loop it sees frames arriving as fast as it encodes them.
func BenchmarkEncode800(b *testing.B) {
	l := newLoop(90)
	m := media(640, 480, 30)
	b.Run("vp8enc", func(b *testing.B) {
		enc, err := Params{BitRate: 800_000, Now: l.now}.BuildVideoEncoder(l.reader(), m)
		if err != nil {
			b.Fatal(err)
		}
		encodeBench(b, enc)
	})
	b.Run("mediadevices", func(b *testing.B) {
		p, err := vpx.NewVP8Params()
		if err != nil {
			b.Fatal(err)
		}
		p.BitRate = 800_000
		p.RateControlEndUsage = vpx.RateControlCBR
		p.LagInFrames = 0
		p.ErrorResilient = vpx.ErrorResilientDefault
		p.KeyFrameInterval = 300
		enc, err := p.BuildVideoEncoder(l.reader(), m)
		if err != nil {
			b.Fatal(err)
		}
		encodeBench(b, enc)
	})
}

// BenchmarkSpeed is the table DefaultSpeed was chosen from: cost and
// rate of each fixed realtime speed at a narrow and a wide target.
func BenchmarkSpeed(b *testing.B) {
	l := newLoop(90)
	for _, kbps := range []int{150, 300, 800} {
		for _, speed := range []int{4, 6, 8, 10, 12, 16} {
			b.Run(fmt.Sprintf("kbps=%d/speed=%d", kbps, speed), func(b *testing.B) {
				enc, err := Params{BitRate: kbps * 1000, Speed: speed, Now: l.now}.BuildVideoEncoder(l.reader(), media(640, 480, 30))
				if err != nil {
					b.Fatal(err)
				}
				encodeBench(b, enc)
			})
		}
	}
}

// BenchmarkConvertRGBA is the cost of a 1280×720 screen picture's
// conversion to I420 (screens deliver RGBA).
func BenchmarkConvertRGBA(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	var c converter
	for b.Loop() {
		if _, err := c.planes(img); err != nil {
			b.Fatal(err)
		}
	}
}
