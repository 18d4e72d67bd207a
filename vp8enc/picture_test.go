package vp8enc

import (
	"image"
	"math/rand/v2"
	"time"

	"github.com/pion/mediadevices/pkg/io/video"
)

// clip is a busy, deterministic camera-like video: a detailed scene
// panning by a pixel per frame, three shapes moving across it and fresh
// sensor noise in every frame, so inter frames stay expensive. Time is
// virtual: reading picture n sets the clock to n/fps.
type clip struct {
	w, h, fps int
	n         int
	t0        time.Time
	clock     time.Time
	scene     []byte // (w+pad)×(h+pad) luma
	stride    int
	noise     []int8 // triangular −3…+3, read from a random start per row
	rng       *rand.Rand
	frame     *image.YCbCr
}

const pad = 64

func newClip(w, h, fps int, seed uint64) *clip {
	rng := rand.New(rand.NewPCG(seed, 7))
	c := &clip{w: w, h: h, fps: fps, rng: rng, stride: w + pad,
		t0: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.clock = c.t0
	c.scene = make([]byte, (w+pad)*(h+pad))
	// Blocks of random sizes and shades, then fine random detail.
	for range 400 {
		bw, bh := 4+rng.IntN(60), 4+rng.IntN(60)
		x0, y0 := rng.IntN(c.stride-bw), rng.IntN(h+pad-bh)
		v := byte(30 + rng.IntN(190))
		for y := y0; y < y0+bh; y++ {
			for x := x0; x < x0+bw; x++ {
				c.scene[y*c.stride+x] = v
			}
		}
	}
	for i := range c.scene {
		c.scene[i] = byte(min(235, max(16, int(c.scene[i])+rng.IntN(21)-10)))
	}
	c.noise = make([]int8, 1<<16)
	for i := range c.noise {
		c.noise[i] = int8(rng.IntN(4) + rng.IntN(4) - 3)
	}
	c.frame = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	return c
}

// next renders the next picture into the reused frame.
func (c *clip) next() *image.YCbCr {
	f := c.frame
	ox := c.n % pad
	oy := (c.n / 3) % pad
	for y := range c.h {
		src := c.scene[(y+oy)*c.stride+ox:]
		row := f.Y[y*f.YStride : y*f.YStride+c.w]
		k := c.rng.IntN(len(c.noise) - c.w)
		for x := range row {
			row[x] = byte(int(src[x]) + int(c.noise[k+x]))
		}
	}
	for i := range f.Cb {
		f.Cb[i], f.Cr[i] = 128, 128
	}
	for s := range 3 {
		size := c.h / (4 + s)
		x := (c.n*(3+2*s) + s*150) % (c.w - size)
		y := (c.n*(2+s) + s*90) % (c.h - size)
		c.fill(image.Rect(x, y, x+size, y+size), byte(40+70*s), byte(90+40*s), byte(200-50*s))
	}
	c.clock = c.t0.Add(time.Duration(c.n) * time.Second / time.Duration(c.fps))
	c.n++
	return f
}

func (c *clip) fill(r image.Rectangle, y, cb, cr byte) {
	f := c.frame
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			f.Y[f.YOffset(px, py)] = y
		}
	}
	for py := r.Min.Y / 2; py < r.Max.Y/2; py++ {
		for px := r.Min.X / 2; px < r.Max.X/2; px++ {
			f.Cb[py*f.CStride+px], f.Cr[py*f.CStride+px] = cb, cr
		}
	}
}

func (c *clip) now() time.Time { return c.clock }

// reader serves the clip's pictures to an encoder.
func (c *clip) reader() video.Reader {
	return video.ReaderFunc(func() (image.Image, func(), error) {
		return c.next(), func() {}, nil
	})
}
