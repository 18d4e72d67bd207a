package vp8enc

import (
	"image"
	"image/color"
	"testing"
)

// Conversion to I420: solid pictures of each layout come out as the
// colour image/color gives, with the odd last row and column covered.
func TestConvert(t *testing.T) {
	const w, h = 7, 5
	want := color.RGBA{200, 40, 90, 255}
	wy, wcb, wcr := color.RGBToYCbCr(want.R, want.G, want.B)
	rgba := image.NewRGBA(image.Rect(10, 20, 10+w, 20+h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			rgba.Set(10+x, 20+y, want)
			nrgba.Set(x, y, want)
		}
	}
	// A crop of a wider picture: rows are longer than the crop.
	wide := image.NewRGBA(image.Rect(0, 0, 3*w, h+4))
	for y := range h + 4 {
		for x := range 3 * w {
			wide.Set(x, y, color.RGBA{0, 255, 0, 255})
		}
	}
	for y := range h {
		for x := range w {
			wide.Set(w+x, 2+y, want)
		}
	}
	crop := wide.SubImage(image.Rect(w, 2, 2*w, 2+h))
	ycc := map[string]*image.YCbCr{}
	for name, ratio := range map[string]image.YCbCrSubsampleRatio{
		"422": image.YCbCrSubsampleRatio422, "444": image.YCbCrSubsampleRatio444, "440": image.YCbCrSubsampleRatio440,
	} {
		img := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
		for i := range img.Y {
			img.Y[i] = wy
		}
		for i := range img.Cb {
			img.Cb[i], img.Cr[i] = wcb, wcr
		}
		ycc[name] = img
	}
	var c converter
	for name, img := range map[string]image.Image{"rgba": rgba, "crop": crop, "nrgba": nrgba, "422": ycc["422"], "444": ycc["444"], "440": ycc["440"]} {
		p, err := c.planes(img)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.w != w || p.h != h || p.cStride != 4 || len(p.u) != 4*3 {
			t.Fatalf("%s: %dx%d, chroma stride %d, %d chroma samples", name, p.w, p.h, p.cStride, len(p.u))
		}
		for i, v := range p.y {
			if v != wy {
				t.Fatalf("%s: Y[%d] = %d, want %d", name, i, v, wy)
			}
		}
		for i := range p.u {
			if p.u[i] != wcb || p.v[i] != wcr {
				t.Fatalf("%s: chroma %d = %d,%d, want %d,%d", name, i, p.u[i], p.v[i], wcb, wcr)
			}
		}
	}
	if _, err := c.planes(image.NewRGBA(image.Rect(0, 0, 1, 4))); err == nil {
		t.Error("a 1-pixel-wide picture was accepted")
	}
}
