package vp8enc

import (
	"image"
	"image/color"
	"image/draw"
)

// converter turns a picture of any layout into I420 planes. I420 input
// is passed through without a copy; everything else is converted in Go
// into buffers the converter reuses. (mediadevices' video.ToI420 is not
// used: it keeps the previous picture's planes as its buffers and its C
// converter then writes past them when a YCbCr picture is followed by an
// RGBA one.)
type converter struct {
	y, u, v []byte
	rgba    *image.RGBA // for layouts other than YCbCr and RGBA
}

// planes returns img as I420; the result is valid until the next call.
func (c *converter) planes(img image.Image) (planes, error) {
	switch src := img.(type) {
	case *image.YCbCr:
		if src.SubsampleRatio == image.YCbCrSubsampleRatio420 {
			return i420Planes(src)
		}
		return c.fromYCbCr(src)
	case *image.RGBA:
		return c.fromRGBA(src)
	default:
		b := img.Bounds()
		if c.rgba == nil || c.rgba.Rect != b {
			c.rgba = image.NewRGBA(b)
		}
		draw.Draw(c.rgba, b, img, b.Min, draw.Src)
		return c.fromRGBA(c.rgba)
	}
}

// alloc sizes the reused planes for a w×h picture.
func (c *converter) alloc(w, h int) planes {
	cw, ch := (w+1)/2, (h+1)/2
	if cap(c.y) < w*h {
		c.y = make([]byte, w*h)
	}
	if cap(c.u) < cw*ch {
		c.u, c.v = make([]byte, cw*ch), make([]byte, cw*ch)
	}
	return planes{w: w, h: h, y: c.y[:w*h], u: c.u[:cw*ch], v: c.v[:cw*ch], yStride: w, cStride: cw}
}

// fromYCbCr resamples the chroma of a 4:2:2, 4:4:4, 4:4:0, 4:1:1 or
// 4:1:0 picture to 4:2:0 by averaging the chroma under each 2×2 block.
func (c *converter) fromYCbCr(src *image.YCbCr) (planes, error) {
	r := src.Rect
	w, h := r.Dx(), r.Dy()
	if w < 2 || h < 2 {
		return planes{}, sizeError(w, h)
	}
	p := c.alloc(w, h)
	for y := range h {
		copy(p.y[y*w:(y+1)*w], src.Y[src.YOffset(r.Min.X, r.Min.Y+y):])
	}
	for cy := range (h + 1) / 2 {
		y0, y1 := r.Min.Y+2*cy, min(r.Min.Y+2*cy+1, r.Max.Y-1)
		for cx := range p.cStride {
			x0, x1 := r.Min.X+2*cx, min(r.Min.X+2*cx+1, r.Max.X-1)
			o00, o01 := src.COffset(x0, y0), src.COffset(x1, y0)
			o10, o11 := src.COffset(x0, y1), src.COffset(x1, y1)
			i := cy*p.cStride + cx
			p.u[i] = avg4(src.Cb[o00], src.Cb[o01], src.Cb[o10], src.Cb[o11])
			p.v[i] = avg4(src.Cr[o00], src.Cr[o01], src.Cr[o10], src.Cr[o11])
		}
	}
	return p, nil
}

// fromRGBA converts with the JPEG (full-range BT.601) matrix of
// image/color, as the rest of rtcterm's pictures use; alpha is ignored.
func (c *converter) fromRGBA(src *image.RGBA) (planes, error) {
	r := src.Rect
	w, h := r.Dx(), r.Dy()
	if w < 2 || h < 2 {
		return planes{}, sizeError(w, h)
	}
	p := c.alloc(w, h)
	for y := range h {
		row := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
		dst := p.y[y*w : (y+1)*w]
		for x := range dst {
			px := row[4*x : 4*x+3 : 4*x+3]
			// color.RGBToYCbCr's luma, inlined: this loop is most of a
			// screen picture's cost.
			dst[x] = uint8((19595*int32(px[0]) + 38470*int32(px[1]) + 7471*int32(px[2]) + 1<<15) >> 16)
		}
	}
	for cy := range (h + 1) / 2 {
		y0, y1 := r.Min.Y+2*cy, min(r.Min.Y+2*cy+1, r.Max.Y-1)
		for cx := range p.cStride {
			x0, x1 := r.Min.X+2*cx, min(r.Min.X+2*cx+1, r.Max.X-1)
			a, b := src.PixOffset(x0, y0), src.PixOffset(x1, y0)
			cc, d := src.PixOffset(x0, y1), src.PixOffset(x1, y1)
			px := src.Pix
			_, cb, cr := color.RGBToYCbCr(
				avg4(px[a], px[b], px[cc], px[d]),
				avg4(px[a+1], px[b+1], px[cc+1], px[d+1]),
				avg4(px[a+2], px[b+2], px[cc+2], px[d+2]))
			i := cy*p.cStride + cx
			p.u[i], p.v[i] = cb, cr
		}
	}
	return p, nil
}

func avg4(a, b, c, d byte) byte { return byte((int(a) + int(b) + int(c) + int(d) + 2) / 4) }
