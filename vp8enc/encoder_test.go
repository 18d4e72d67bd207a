package vp8enc

import (
	"fmt"
	"image"
	"io"
	"math"
	"testing"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
)

func media(w, h, fps int) prop.Media {
	return prop.Media{Video: prop.Video{Width: w, Height: h, FrameRate: float32(fps), FrameFormat: frame.FormatI420}}
}

func build(t testing.TB, p Params, c *clip) codec.ReadCloser {
	t.Helper()
	p.Now = c.now
	enc, err := p.BuildVideoEncoder(c.reader(), media(c.w, c.h, c.fps))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close() })
	return enc
}

func isKey(b []byte) bool { return len(b) > 0 && b[0]&1 == 0 }

// checker decodes every produced frame with mediadevices' VP8 decoder
// and compares it with the source picture.
type checker struct {
	t       testing.TB
	pending []byte
	dec     codec.VideoDecoder
	worst   float64 // lowest luma PSNR seen, dB
}

func newChecker(t testing.TB, w, h int) *checker {
	ch := &checker{t: t, worst: math.Inf(1)}
	dec, err := vpx.NewDecoder(ch, media(w, h, 30))
	if err != nil {
		t.Fatal(err)
	}
	ch.dec = dec
	t.Cleanup(func() { dec.Close() })
	return ch
}

// Read hands the decoder exactly the one frame being checked.
func (ch *checker) Read(b []byte) (int, error) {
	if ch.pending == nil {
		return 0, io.EOF
	}
	n := copy(b, ch.pending)
	ch.pending = nil
	return n, nil
}

func (ch *checker) check(data []byte, src *image.YCbCr) {
	ch.t.Helper()
	ch.pending = data
	img, release, err := ch.dec.Read()
	if err != nil {
		ch.t.Fatalf("decode: %v", err)
	}
	defer release()
	got := img.(*image.YCbCr)
	if got.Rect != src.Rect {
		ch.t.Fatalf("decoded %v, sent %v", got.Rect, src.Rect)
	}
	var se float64
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			d := float64(got.Y[y*got.YStride+x]) - float64(src.Y[y*src.YStride+x])
			se += d * d
		}
	}
	mse := se / float64(src.Rect.Dx()*src.Rect.Dy())
	ch.worst = min(ch.worst, 10*math.Log10(255*255/max(mse, 1e-9)))
}

// run encodes frames pictures, decoding each, and returns the bytes of
// each frame (0 for a dropped one) and which frames were key frames.
func run(t testing.TB, enc codec.ReadCloser, c *clip, ch *checker, frames int, each func(i int)) (sizes []int, keys []bool) {
	t.Helper()
	sizes, keys = make([]int, frames), make([]bool, frames)
	for i := range frames {
		if each != nil {
			each(i)
		}
		data, release, err := enc.Read()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		release()
		sizes[i], keys[i] = len(data), isKey(data)
		if len(data) > 0 && ch != nil {
			ch.check(data, c.frame)
		}
	}
	return sizes, keys
}

// perSecond sums sizes over each second of frames, in kbit/s.
func perSecond(sizes []int, fps int) []float64 {
	var out []float64
	for s := 0; s+fps <= len(sizes); s += fps {
		sum := 0
		for _, n := range sizes[s : s+fps] {
			sum += n
		}
		out = append(out, float64(sum*8)/1000)
	}
	return out
}

func TestRateHolds(t *testing.T) {
	for _, kbps := range []int{150, 300, 800} {
		t.Run(fmt.Sprint(kbps), func(t *testing.T) {
			c := newClip(640, 480, 30, 1)
			enc := build(t, Params{BitRate: kbps * 1000}, c)
			ch := newChecker(t, 640, 480)
			sizes, keys := run(t, enc, c, ch, 6*30, nil)
			rates := perSecond(sizes, 30)
			drops := 0
			for _, n := range sizes {
				if n == 0 {
					drops++
				}
			}
			t.Logf("%d kbit/s target: per-second %.0f kbit/s, key frame %d B, %d/%d dropped, worst PSNR %.1f dB",
				kbps, rates, sizes[0], drops, len(sizes), ch.worst)
			if !keys[0] {
				t.Fatal("first frame is not a key frame")
			}
			for s, r := range rates[1:] {
				if r > 1.3*float64(kbps) {
					t.Errorf("second %d: %.0f kbit/s, over 1.3× the %d target", s+1, r, kbps)
				}
				if r < 0.5*float64(kbps) {
					t.Errorf("second %d: %.0f kbit/s, under half the %d target", s+1, r, kbps)
				}
			}
			if ch.worst < 20 {
				t.Errorf("worst luma PSNR %.1f dB: the decoded pictures are not the sent ones", ch.worst)
			}
		})
	}
}
