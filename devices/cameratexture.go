package devices

import (
	"image"
	"image/color"
	"math/rand/v2"
)

// The synthetic camera's picture is built once per source from a seeded
// PRNG: a scene larger than the frame (the camera pans and zooms over it)
// and a figure (the sprite) that moves in front of it. Per frame only a
// crop, a blit and noise are left, which keeps a frame at about a
// millisecond.

// Luma range of everything drawn before noise: the noise (±cameraNoise)
// then never leaves 0..255, so it needs no clamping.
const (
	sceneLumaLo = 16
	sceneLumaHi = 239
)

// sceneScale is how much larger than the frame the scene is (in 1/2): the
// margin is the room the pan moves in.
const sceneScale = 3

// sceneShapes is how many posters, lamps and shelves the scene gets.
const sceneShapes = 28

// scene is the precomputed picture the camera looks at: luma at full and
// chroma at half resolution (4:2:0).
type scene struct {
	w, h   int // luma size, even
	y      []byte
	cb, cr []byte // (w/2)×(h/2)
}

// newScene paints a w×h scene: fractal value noise for texture (walls,
// fabric, foliage at every scale), soft colour variation, and hard-edged
// shapes with their own colours, which give VP8 edges to code.
func newScene(rng *rand.Rand, w, h int) *scene {
	s := &scene{w: w, h: h, y: make([]byte, w*h), cb: make([]byte, w*h/4), cr: make([]byte, w*h/4)}
	lum := fractalNoise(rng, w, h, []int{96, 48, 24, 12, 6, 3, 2}, 0.7)
	cw, ch := w/2, h/2
	cbN := fractalNoise(rng, cw, ch, []int{64, 32, 16}, 0.5)
	crN := fractalNoise(rng, cw, ch, []int{64, 32, 16}, 0.5)
	for i, v := range lum {
		// Stretch the contrast: a sum of octaves clusters around 0.5.
		s.y[i] = lumaOf((v-0.5)*2.4 + 0.5)
	}
	for i := range cbN {
		s.cb[i] = uint8(128 + (cbN[i]-0.5)*60)
		s.cr[i] = uint8(128 + (crN[i]-0.5)*60)
	}
	for range sceneShapes {
		s.paintShape(rng, lum)
	}
	return s
}

// paintShape draws one random shape: a rectangle or ellipse in its own
// colour with a share of the underlying texture kept so it is not flat,
// or a shelf of books, narrow vertical bands of random shades that give
// VP8 the fine edges a real room has.
func (s *scene) paintShape(rng *rand.Rand, lum []float32) {
	rw := s.w/24 + rng.IntN(s.w/5+1)
	rh := s.h/24 + rng.IntN(s.h/5+1)
	x0, y0 := rng.IntN(s.w), rng.IntN(s.h)
	r := image.Rect(x0, y0, x0+rw, y0+rh).Intersect(image.Rect(0, 0, s.w, s.h))
	kind := rng.IntN(3) // 0 ellipse, 1 rectangle, 2 shelf
	c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	yc, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
	keep := 0.25 + rng.Float32()*0.5 // share of texture that shows through
	cx, cy := float32(x0)+float32(rw)/2, float32(y0)+float32(rh)/2
	ax, ay := float32(rw)/2, float32(rh)/2
	// A shelf's books: each column's shade, in bands 2..9 pixels wide.
	var book []float32
	if kind == 2 {
		book = make([]float32, r.Dx())
		for x := 0; x < len(book); {
			shade, n := rng.Float32(), 2+rng.IntN(8)
			for ; n > 0 && x < len(book); n-- {
				book[x] = shade
				x++
			}
		}
	}
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			base := float32(yc) / 255
			switch kind {
			case 0:
				dx, dy := (float32(px)+0.5-cx)/ax, (float32(py)+0.5-cy)/ay
				if dx*dx+dy*dy > 1 {
					continue
				}
			case 2:
				base = book[px-r.Min.X]
			}
			i := py*s.w + px
			v := (1-keep)*base + keep*((lum[i]-0.5)*2.4+0.5)
			s.y[i] = lumaOf(v)
			ci := (py/2)*(s.w/2) + px/2
			s.cb[ci], s.cr[ci] = cb, cr
		}
	}
}

// lumaOf maps v in 0..1 (clamped) to the scene's luma range.
func lumaOf(v float32) uint8 {
	v = min(max(v, 0), 1)
	return uint8(sceneLumaLo + v*(sceneLumaHi-sceneLumaLo))
}

// fractalNoise returns w×h values in 0..1: octaves of value noise (random
// lattices with one value every period pixels, interpolated with a
// smoothstep), each octave's amplitude persistence times the previous.
func fractalNoise(rng *rand.Rand, w, h int, periods []int, persistence float32) []float32 {
	out := make([]float32, w*h)
	amp, total := float32(1), float32(0)
	for _, p := range periods {
		gw, gh := w/p+2, h/p+2
		grid := make([]float32, gw*gh)
		for i := range grid {
			grid[i] = rng.Float32()
		}
		// Per-column lattice index and weight, shared by all rows.
		gx := make([]int, w)
		fx := make([]float32, w)
		for x := range w {
			gx[x], fx[x] = x/p, smooth(float32(x%p)/float32(p))
		}
		for y := range h {
			gy, fy := y/p, smooth(float32(y%p)/float32(p))
			r0, r1 := grid[gy*gw:], grid[(gy+1)*gw:]
			row := out[y*w : (y+1)*w]
			for x := range row {
				i, f := gx[x], fx[x]
				top := r0[i] + (r0[i+1]-r0[i])*f
				bot := r1[i] + (r1[i+1]-r1[i])*f
				row[x] += amp * (top + (bot-top)*fy)
			}
		}
		total += amp
		amp *= persistence
	}
	for i := range out {
		out[i] /= total
	}
	return out
}

// smooth is the smoothstep easing 3t²−2t³.
func smooth(t float32) float32 { return t * t * (3 - 2*t) }

// sprite is a figure drawn over the scene: luma and 4:2:0 chroma where a
// zero luma is transparent.
type sprite struct {
	w, h   int // even
	y      []byte
	cb, cr []byte
}

// newSprite draws a head-and-shoulders figure w×h: a shaded face and a
// striped shirt, the kind of detail a person in front of a webcam brings.
func newSprite(rng *rand.Rand, w, h int) *sprite {
	w, h = max(2, w&^1), max(2, h&^1)
	sp := &sprite{w: w, h: h, y: make([]byte, w*h), cb: make([]byte, w*h/4), cr: make([]byte, w*h/4)}
	skinY, skinCb, skinCr := color.RGBToYCbCr(214, 168, 136)
	shirt := color.RGBA{uint8(rng.IntN(200)), uint8(rng.IntN(200)), uint8(rng.IntN(200)), 255}
	shirtY, shirtCb, shirtCr := color.RGBToYCbCr(shirt.R, shirt.G, shirt.B)
	stripe := 4 + rng.IntN(6)
	fw, fh := float32(w), float32(h)
	for y := range h {
		for x := range w {
			px, py := float32(x)+0.5, float32(y)+0.5
			hx, hy := (px-fw/2)/(fw*0.28), (py-fh*0.32)/(fh*0.26)
			sx, sy := (px-fw/2)/(fw*0.5), (py-fh*1.05)/(fh*0.45)
			var v float32
			var cb, cr uint8
			switch {
			case hx*hx+hy*hy <= 1: // face, lit from the left
				v = float32(skinY)/255 + 0.18*(-hx) - 0.08*hy*hy + (rng.Float32()-0.5)*0.06
				cb, cr = skinCb, skinCr
			case sx*sx+sy*sy <= 1: // shirt with diagonal stripes
				v = float32(shirtY) / 255
				if ((x+y/2)/stripe)%2 == 0 {
					v += 0.2
				}
				v += (rng.Float32() - 0.5) * 0.1
				cb, cr = shirtCb, shirtCr
			default:
				continue
			}
			sp.y[y*w+x] = lumaOf(v) // never 0: lumaOf ≥ sceneLumaLo
			sp.cb[(y/2)*(w/2)+x/2], sp.cr[(y/2)*(w/2)+x/2] = cb, cr
		}
	}
	return sp
}

// blit draws sp onto img with its top-left corner at (x, y), both even so
// chroma stays aligned; parts outside img are clipped.
func (sp *sprite) blit(img *image.YCbCr, x, y int) {
	x, y = x&^1, y&^1
	r := image.Rect(x, y, x+sp.w, y+sp.h).Intersect(img.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		src := sp.y[(py-y)*sp.w+(r.Min.X-x) : (py-y)*sp.w+(r.Max.X-x)]
		dst := img.Y[py*img.YStride+r.Min.X : py*img.YStride+r.Max.X]
		for i, v := range src {
			if v != 0 {
				dst[i] = v
			}
		}
	}
	for py := r.Min.Y / 2; py < r.Max.Y/2; py++ {
		sy := py - y/2
		for px := r.Min.X / 2; px < r.Max.X/2; px++ {
			sx := px - x/2
			if sp.y[(2*sy)*sp.w+2*sx] == 0 {
				continue
			}
			i := py*img.CStride + px
			img.Cb[i], img.Cr[i] = sp.cb[sy*(sp.w/2)+sx], sp.cr[sy*(sp.w/2)+sx]
		}
	}
}
