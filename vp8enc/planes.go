package vp8enc

import (
	"fmt"
	"image"
)

// planes is an I420 picture as libvpx wants it: the top-left sample of
// each plane and the row strides.
type planes struct {
	w, h             int
	y, u, v          []byte
	yStride, cStride int
}

// i420Planes checks that a 4:2:0 picture has planes long enough for its
// size, so C never reads past a Go slice.
func i420Planes(yc *image.YCbCr) (planes, error) {
	w, h := yc.Rect.Dx(), yc.Rect.Dy()
	if w < 2 || h < 2 || w > 16383 || h > 16383 {
		return planes{}, sizeError(w, h)
	}
	cw, ch := (w+1)/2, (h+1)/2
	if yc.YStride < w || yc.CStride < cw ||
		len(yc.Y) < (h-1)*yc.YStride+w ||
		len(yc.Cb) < (ch-1)*yc.CStride+cw || len(yc.Cr) < (ch-1)*yc.CStride+cw {
		return planes{}, fmt.Errorf("%w: planes too short for %dx%d", ErrBadFrame, w, h)
	}
	// Index 0 of each plane is Rect.Min by the image.YCbCr layout
	// (YOffset of Rect.Min is 0), also for sub-images.
	return planes{
		w: w, h: h,
		y: yc.Y, u: yc.Cb, v: yc.Cr,
		yStride: yc.YStride, cStride: yc.CStride,
	}, nil
}

func sizeError(w, h int) error { return fmt.Errorf("%w: size %dx%d", ErrBadFrame, w, h) }
