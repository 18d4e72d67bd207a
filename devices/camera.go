package devices

import (
	"context"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// cameraSource is the camera-like synthetic video (SyntheticCamera): the
// view of a detailed scene under a slow pan and zoom, a figure swaying in
// front of it, fresh sensor noise in every frame, and the participant's
// name and a running clock in a caption. Unlike the test pattern it costs
// VP8 as much as a webcam does: detail makes key frames large, and motion
// and noise keep every inter frame expensive, so the encoder fills its
// target bitrate.
//
// A frame is a pure function of the seed and the time it shows (render),
// so tests and benchmarks are repeatable.
type cameraSource struct {
	name string
	seed uint64
	now  func() time.Time
	frameClock

	scene  *scene
	figure *sprite
	frame  *image.YCbCr // reused for every frame
	xmap   []int        // scene column of each frame column, per frame
	ymap   []int        // scene row of each frame row, per frame
	frames uint64
}

// Motion of the synthetic camera, chosen so no two movements repeat in
// step: the pan covers the scene's margin, the zoom magnifies up to
// 1+2·zoomDepth, the figure sways by a quarter of the frame width.
const (
	panPeriodX   = 9 * time.Second
	panPeriodY   = 6500 * time.Millisecond
	zoomPeriod   = 13 * time.Second
	zoomDepth    = 0.08
	swayPeriod   = 3700 * time.Millisecond
	bobPeriod    = 1900 * time.Millisecond
	captionClock = "15:04:05.0"
)

// cameraNoise is the sensor noise: a triangular distribution over
// −cameraNoise..+cameraNoise luma levels (standard deviation 1.6, a webcam
// in a lit room), drawn afresh for every pixel of every frame (addNoise).
const cameraNoise = 3

// The scene's luma range leaves room for the noise (a negative constant
// here fails to compile).
const (
	_ uint8 = sceneLumaLo - cameraNoise
	_ uint8 = 255 - sceneLumaHi - cameraNoise
)

func newCameraSource(name string, seed uint64, width, height, fps int, now func() time.Time) *cameraSource {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sw, sh := (width*sceneScale/2)&^1, (height*sceneScale/2)&^1
	return &cameraSource{
		name:       name,
		seed:       seed,
		now:        now,
		frameClock: newFrameClock(fps),
		scene:      newScene(rng, sw, sh),
		figure:     newSprite(rng, width/3, height*3/5),
		frame:      image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio420),
		xmap:       make([]int, width),
		ymap:       make([]int, height),
	}
}

// Next waits for the next tick and renders the frame for the current time.
func (s *cameraSource) Next(ctx context.Context) (image.Image, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	s.render(s.now())
	return s.frame, nil
}

// render draws the frame shown at time t into s.frame.
func (s *cameraSource) render(t time.Time) {
	f := s.frame
	w, h := f.Rect.Dx(), f.Rect.Dy()
	s.view(t)
	// The scene, cropped and scaled (nearest neighbour: a sub-pixel
	// resampler would cost more than the rest of the frame together).
	sc := s.scene
	for y, sy := range s.ymap {
		src := sc.y[sy*sc.w : (sy+1)*sc.w]
		dst := f.Y[y*f.YStride : y*f.YStride+w]
		for x, sx := range s.xmap {
			dst[x] = src[sx]
		}
	}
	cw := sc.w / 2
	for y := range h / 2 {
		sy := s.ymap[2*y] / 2
		cbSrc, crSrc := sc.cb[sy*cw:(sy+1)*cw], sc.cr[sy*cw:(sy+1)*cw]
		cbDst := f.Cb[y*f.CStride : y*f.CStride+w/2]
		crDst := f.Cr[y*f.CStride : y*f.CStride+w/2]
		for x := range cbDst {
			sx := s.xmap[2*x] / 2
			cbDst[x], crDst[x] = cbSrc[sx], crSrc[sx]
		}
	}
	fig := s.figure
	sway := float64(w) / 8 * math.Sin(phase(t, swayPeriod))
	bob := float64(h) / 40 * math.Sin(phase(t, bobPeriod))
	fig.blit(f, w/2-fig.w/2+int(sway), h-fig.h+h/30+int(bob))
	addNoise(f.Y[:f.YStride*h], splitmix(s.seed^uint64(t.UnixNano())))
	s.caption(t)
	s.frames++
}

// view sets xmap and ymap: where the camera looks at time t.
func (s *cameraSource) view(t time.Time) {
	w, h := len(s.xmap), len(s.ymap)
	sc := s.scene
	zoom := 1 + zoomDepth*(1-math.Cos(phase(t, zoomPeriod)))
	// The view is at most w×h scene pixels (zoom ≥ 1), so a centre that
	// stays (sc.w−w)/2 from the scene's middle keeps it inside the scene.
	cx := float64(sc.w)/2 + float64(sc.w-w)/2*math.Sin(phase(t, panPeriodX))
	cy := float64(sc.h)/2 + float64(sc.h-h)/2*math.Sin(phase(t, panPeriodY))
	x0, y0 := cx-float64(w)/2/zoom, cy-float64(h)/2/zoom
	for x := range s.xmap {
		s.xmap[x] = min(max(int(x0+(float64(x)+0.5)/zoom), 0), sc.w-1)
	}
	for y := range s.ymap {
		s.ymap[y] = min(max(int(y0+(float64(y)+0.5)/zoom), 0), sc.h-1)
	}
}

// caption draws the name and the clock on a dark box in the bottom-left
// corner, after the noise, so they stay crisp and a viewer sees at a
// glance whose video it is and that it is live.
func (s *cameraSource) caption(t time.Time) {
	f := s.frame
	w, h := f.Rect.Dx(), f.Rect.Dy()
	scale := max(1, w/320)
	name := fitText(s.name, w/scale-16)
	textW := max(len([]rune(name))*glyphW*scale, len(captionClock)*glyphW*2*scale)
	top := h - (6+glyphH+4+2*glyphH+6)*scale
	fillRect(f, image.Rect(0, top, min(w, textW+12*scale), h), color.RGBA{16, 24, 48, 255})
	drawText(f, 6*scale, top+6*scale, scale, name, 235)
	drawText(f, 6*scale, top+(6+glyphH+4)*scale, scale*2, t.Format(captionClock), 235)
}

// phase is the angle (radians) of t within a cycle of length period.
func phase(t time.Time, period time.Duration) float64 {
	return 2 * math.Pi * float64(t.UnixNano()%int64(period)) / float64(period)
}

// addNoise adds sensor noise to every luma sample, sixteen samples per
// step of a xorshift64 generator seeded with state. Samples must lie within
// cameraNoise of 0 and 255 (the scene's range ensures it), so no clamping
// is needed.
func addNoise(y []byte, state uint64) {
	state |= 1 // xorshift never leaves zero
	for i := 0; i < len(y); i += 16 {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		r := state
		for k := i; k < min(i+16, len(y)); k++ {
			// Two 2-bit uniforms: their difference is triangular in −3..3.
			y[k] = uint8(int(y[k]) + int(r&3) - int(r>>2&3))
			r >>= 4
		}
	}
}

// splitmix scrambles x (SplitMix64's finaliser), so nearby times give
// unrelated noise.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Describe marks the source as synthetic.
func (s *cameraSource) Describe() store.Track {
	return store.Track{Kind: "video", Label: "synthetic camera", DeviceID: "synthetic", Synthetic: true}
}
