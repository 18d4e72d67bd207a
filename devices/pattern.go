package devices

import (
	"context"
	"image"
	"image/color"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// patternSource is the synthetic camera: colour bars with a bar sweeping
// across them once every two seconds, the participant's name and a running
// clock, so a viewer sees at a glance that the video is live. It renders
// 4:2:0 YCbCr directly, which the VP8 encoder takes without conversion.
type patternSource struct {
	name string
	now  func() time.Time
	frameClock

	background *image.YCbCr // bars and name, rendered once
	frame      *image.YCbCr // reused for every frame
	frames     uint64
}

// patternBars are the classic 75 % colour bars.
var patternBars = []color.RGBA{
	{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
	{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255}, {32, 32, 32, 255},
}

// sweepPeriod is how long the moving bar takes to cross the picture.
const sweepPeriod = 2 * time.Second

func newPatternSource(name string, width, height, fps int, now func() time.Time) *patternSource {
	s := &patternSource{
		name:       name,
		now:        now,
		frameClock: newFrameClock(fps),
		frame:      image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio420),
	}
	s.background = s.renderBackground(width, height)
	return s
}

// renderBackground draws what does not move: the bars and the name.
func (s *patternSource) renderBackground(w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	barsBottom := h * 2 / 3
	for i, c := range patternBars {
		x0, x1 := i*w/len(patternBars), (i+1)*w/len(patternBars)
		fillRect(img, image.Rect(x0, 0, x1, barsBottom), c)
	}
	fillRect(img, image.Rect(0, barsBottom, w, h), color.RGBA{16, 24, 48, 255})
	scale := max(1, w/320)
	drawText(img, 8*scale, barsBottom+6*scale, scale, fitText(s.name, w/scale-16), 235)
	return img
}

// Next waits for the next tick and renders the frame for the current time.
func (s *patternSource) Next(ctx context.Context) (image.Image, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	s.render(s.now())
	return s.frame, nil
}

// render draws the frame shown at time t into s.frame.
func (s *patternSource) render(t time.Time) {
	f, bg := s.frame, s.background
	copy(f.Y, bg.Y)
	copy(f.Cb, bg.Cb)
	copy(f.Cr, bg.Cr)
	w, h := f.Rect.Dx(), f.Rect.Dy()
	barsBottom := h * 2 / 3
	phase := t.UnixNano() % int64(sweepPeriod)
	x := int(int64(w) * phase / int64(sweepPeriod))
	barW := max(4, w/40)
	fillRect(f, image.Rect(x, 0, min(x+barW, w), barsBottom), color.RGBA{255, 255, 255, 255})
	scale := max(1, w/320)
	clock := t.Format("15:04:05.0")
	drawText(f, 8*scale, barsBottom+(6+glyphH+4)*scale, scale*2, clock, 235)
	s.frames++
}

// Describe marks the source as synthetic.
func (s *patternSource) Describe() store.Track {
	return store.Track{Kind: "video", Label: "test pattern", DeviceID: "synthetic", Synthetic: true}
}

// fillRect paints r (clipped to the image) with c. Chroma is written per
// 2x2 block, so edges snap to even coordinates.
func fillRect(img *image.YCbCr, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	y, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
	for row := r.Min.Y; row < r.Max.Y; row++ {
		line := img.Y[row*img.YStride+r.Min.X : row*img.YStride+r.Max.X]
		for i := range line {
			line[i] = y
		}
	}
	for row := r.Min.Y / 2; row < (r.Max.Y+1)/2; row++ {
		for col := r.Min.X / 2; col < (r.Max.X+1)/2; col++ {
			i := row*img.CStride + col
			img.Cb[i], img.Cr[i] = cb, cr
		}
	}
}
