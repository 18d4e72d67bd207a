package videoview

import (
	"image"
	"image/color"
	"image/draw"
)

// Picture is a small RGB image, three bytes a pixel, row after row: what
// the scaler produces and the cell encoder reads.
type Picture struct {
	W, H int
	Pix  []uint8 // len 3*W*H
}

// NewPicture returns a black picture of w×h pixels.
func NewPicture(w, h int) *Picture {
	p := &Picture{}
	p.resize(w, h)
	return p
}

// resize makes p w×h pixels, reusing its buffer when it is large enough.
func (p *Picture) resize(w, h int) {
	p.W, p.H = max(w, 0), max(h, 0)
	n := 3 * p.W * p.H
	if cap(p.Pix) < n {
		p.Pix = make([]uint8, n)
	}
	p.Pix = p.Pix[:n]
}

// RGB returns the colour of the pixel at x, y.
func (p *Picture) RGB(x, y int) (r, g, b uint8) {
	i := 3 * (y*p.W + x)
	return p.Pix[i], p.Pix[i+1], p.Pix[i+2]
}

// Set paints the pixel at x, y.
func (p *Picture) Set(x, y int, r, g, b uint8) {
	i := 3 * (y*p.W + x)
	p.Pix[i], p.Pix[i+1], p.Pix[i+2] = r, g, b
}

// plane is one 8-bit channel of an image: w×h samples, stride bytes from
// row to row, step bytes from sample to sample.
type plane struct {
	pix          []uint8
	w, h, stride int
	step         int
}

// scaler averages planes down (or up) to one destination size. Its
// buffers are reused from frame to frame, so a worker keeps one.
type scaler struct {
	acc  []uint32 // one source row's worth of vertically weighted sums
	out  [3][]uint8
	rgba *image.RGBA // conversion buffer for images of other types
}

// axisWeights describe, for each destination index, the source range it
// covers and the overlap of each source sample with it. Weights are
// integers: a source sample is d units long and a destination sample s
// units, so every destination's weights sum to s, the source length.
type axisWeights struct {
	first []int      // first source index of each destination index
	w     [][]uint32 // weights of first, first+1, ...
	total uint64     // sum of the weights of one destination index (= s)
}

func newAxisWeights(s, d int) axisWeights {
	a := axisWeights{first: make([]int, d), w: make([][]uint32, d), total: uint64(s)}
	for i := range d {
		lo, hi := i*s, (i+1)*s // in units; source j covers [j*d, (j+1)*d)
		j0, j1 := lo/d, (hi+d-1)/d
		a.first[i] = j0
		ws := make([]uint32, j1-j0)
		for j := j0; j < j1; j++ {
			ws[j-j0] = uint32(min((j+1)*d, hi) - max(j*d, lo))
		}
		a.w[i] = ws
	}
	return a
}

// weightCache keeps the axis weights of the last sizes used; a worker
// scales frames of one size into one tile size almost always.
type weightCache struct {
	key  [2]int
	axis axisWeights
}

func (c *weightCache) get(s, d int) axisWeights {
	if c.key != [2]int{s, d} || c.axis.first == nil {
		c.key, c.axis = [2]int{s, d}, newAxisWeights(s, d)
	}
	return c.axis
}

// scalePlane averages src into dst (dw×dh samples, one byte each), area
// weighted: every source sample counts with the share of it that a
// destination sample covers.
func (sc *scaler) scalePlane(dst []uint8, dw, dh int, src plane, xs, ys *weightCache) {
	if src.w == 0 || src.h == 0 {
		clear(dst)
		return
	}
	wx, wy := xs.get(src.w, dw), ys.get(src.h, dh)
	if cap(sc.acc) < src.w {
		sc.acc = make([]uint32, src.w)
	}
	acc := sc.acc[:src.w]
	total := wx.total * wy.total
	half := total / 2
	for oy := range dh {
		clear(acc)
		for k, w := range wy.w[oy] {
			row := src.pix[(wy.first[oy]+k)*src.stride:]
			if src.step == 1 {
				row = row[:src.w]
				for x, v := range row {
					acc[x] += w * uint32(v)
				}
				continue
			}
			for x := range acc {
				acc[x] += w * uint32(row[x*src.step])
			}
		}
		line := dst[oy*dw : (oy+1)*dw]
		for ox := range line {
			var sum uint64
			first := wx.first[ox]
			for k, w := range wx.w[ox] {
				sum += uint64(w) * uint64(acc[first+k])
			}
			line[ox] = uint8((sum + half) / total)
		}
	}
}

// planeCaches are the axis weights of the luma and chroma planes.
type planeCaches struct {
	lx, ly, cx, cy weightCache
}

// Scale resizes src into dst (whose size is already set) with an area-
// averaging filter, ignoring aspect: callers fit the size first (see Fit).
// It is fast for the decoder's 4:2:0 YCbCr frames; other images are
// converted to RGBA first.
func (sc *scaler) Scale(dst *Picture, src image.Image, wc *planeCaches) {
	n := dst.W * dst.H
	for i := range sc.out {
		if cap(sc.out[i]) < n {
			sc.out[i] = make([]uint8, n)
		}
		sc.out[i] = sc.out[i][:n]
	}
	b := src.Bounds()
	if n == 0 || b.Empty() {
		clear(dst.Pix)
		return
	}
	if yc, ok := src.(*image.YCbCr); ok && chromaShift(yc.SubsampleRatio) != [2]int{-1, -1} {
		sh := chromaShift(yc.SubsampleRatio)
		y := plane{pix: yc.Y[yc.YOffset(b.Min.X, b.Min.Y):], w: b.Dx(), h: b.Dy(), stride: yc.YStride, step: 1}
		co := yc.COffset(b.Min.X, b.Min.Y)
		cw, ch := (b.Dx()+(1<<sh[0])-1)>>sh[0], (b.Dy()+(1<<sh[1])-1)>>sh[1]
		cb := plane{pix: yc.Cb[co:], w: cw, h: ch, stride: yc.CStride, step: 1}
		cr := plane{pix: yc.Cr[co:], w: cw, h: ch, stride: yc.CStride, step: 1}
		sc.scalePlane(sc.out[0], dst.W, dst.H, y, &wc.lx, &wc.ly)
		sc.scalePlane(sc.out[1], dst.W, dst.H, cb, &wc.cx, &wc.cy)
		sc.scalePlane(sc.out[2], dst.W, dst.H, cr, &wc.cx, &wc.cy)
		for i := range n {
			r, g, bl := color.YCbCrToRGB(sc.out[0][i], sc.out[1][i], sc.out[2][i])
			dst.Pix[3*i], dst.Pix[3*i+1], dst.Pix[3*i+2] = r, g, bl
		}
		return
	}
	rgba, ok := src.(*image.RGBA)
	if !ok {
		if sc.rgba == nil || sc.rgba.Rect.Size() != b.Size() {
			sc.rgba = image.NewRGBA(image.Rectangle{Max: b.Size()})
		}
		draw.Draw(sc.rgba, sc.rgba.Rect, src, b.Min, draw.Src)
		rgba, b = sc.rgba, sc.rgba.Rect
	}
	off := rgba.PixOffset(b.Min.X, b.Min.Y)
	for c := range 3 {
		p := plane{pix: rgba.Pix[off+c:], w: b.Dx(), h: b.Dy(), stride: rgba.Stride, step: 4}
		sc.scalePlane(sc.out[c], dst.W, dst.H, p, &wc.lx, &wc.ly)
	}
	for i := range n {
		dst.Pix[3*i], dst.Pix[3*i+1], dst.Pix[3*i+2] = sc.out[0][i], sc.out[1][i], sc.out[2][i]
	}
}

// chromaShift returns the horizontal and vertical chroma subsampling of a
// ratio as shifts, or -1, -1 for ratios the fast path does not handle.
func chromaShift(r image.YCbCrSubsampleRatio) [2]int {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return [2]int{0, 0}
	case image.YCbCrSubsampleRatio422:
		return [2]int{1, 0}
	case image.YCbCrSubsampleRatio420:
		return [2]int{1, 1}
	case image.YCbCrSubsampleRatio440:
		return [2]int{0, 1}
	}
	return [2]int{-1, -1}
}
