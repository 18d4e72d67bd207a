package devices

import (
	"image"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The built-in bitmap font (basicfont 7x13).
const (
	glyphW = 7
	glyphH = 13
)

// drawText draws s with its top-left corner at (x, y), each font pixel as a
// scale×scale block of luma value luma with neutral chroma. Runes outside
// printable ASCII are drawn as '?'. Pixels outside the image are skipped.
func drawText(img *image.YCbCr, x, y, scale int, s string, luma uint8) {
	face := basicfont.Face7x13
	for i, r := range []rune(s) {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		_, mask, mp, _, ok := face.Glyph(fixed.P(0, face.Ascent), r)
		if !ok {
			continue
		}
		ox := x + i*glyphW*scale
		for gy := 0; gy < glyphH; gy++ {
			for gx := 0; gx < glyphW; gx++ {
				_, _, _, a := mask.At(mp.X+gx, mp.Y+gy).RGBA()
				if a < 0x8000 {
					continue
				}
				setBlock(img, ox+gx*scale, y+gy*scale, scale, luma)
			}
		}
	}
}

// setBlock paints a scale×scale block of grey.
func setBlock(img *image.YCbCr, x, y, scale int, luma uint8) {
	b := img.Rect
	for yy := y; yy < y+scale; yy++ {
		if yy < b.Min.Y || yy >= b.Max.Y {
			continue
		}
		for xx := x; xx < x+scale; xx++ {
			if xx < b.Min.X || xx >= b.Max.X {
				continue
			}
			img.Y[yy*img.YStride+xx] = luma
			c := (yy/2)*img.CStride + xx/2
			img.Cb[c], img.Cr[c] = 128, 128
		}
	}
}

// fitText shortens s to at most width pixels of the font, marking the cut.
func fitText(s string, width int) string {
	n := width / glyphW
	r := []rune(s)
	if n <= 0 {
		return ""
	}
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "~"
	}
	return string(r[:n-1]) + "~"
}
