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

// i420Planes checks that img (already converted to 4:2:0 by
// video.ToI420) has planes long enough for its size, so C never reads
// past a Go slice.
func i420Planes(img image.Image) (planes, error) {
	yc, ok := img.(*image.YCbCr)
	if !ok || yc.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return planes{}, fmt.Errorf("%w: want I420, got %T", ErrBadFrame, img)
	}
	w, h := yc.Rect.Dx(), yc.Rect.Dy()
	if w < 2 || h < 2 || w > 16383 || h > 16383 {
		return planes{}, fmt.Errorf("%w: size %dx%d", ErrBadFrame, w, h)
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
