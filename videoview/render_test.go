package videoview

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// gradient is a w×h RGBA image whose red rises to the right, green rises
// downwards and blue is fixed: every pixel differs, so any error in the
// weights shows in the golden file.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 77, 255})
		}
	}
	return img
}

// dump writes a picture as one "r,g,b" triple per pixel.
func dump(p *Picture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%dx%d\n", p.W, p.H)
	for y := range p.H {
		for x := range p.W {
			r, g, bl := p.RGB(x, y)
			if x > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%3d,%3d,%3d", r, g, bl)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func scaleTo(img image.Image, w, h int) *Picture {
	var sc scaler
	var wc planeCaches
	p := NewPicture(w, h)
	sc.Scale(p, img, &wc)
	return p
}

// TestScaleGolden pins the area-averaging filter on small known images:
// down by whole and fractional factors, up, and to one pixel.
func TestScaleGolden(t *testing.T) {
	src := gradient(6, 4)
	var out strings.Builder
	for _, size := range [][2]int{{6, 4}, {3, 2}, {4, 3}, {2, 1}, {1, 1}, {9, 5}} {
		fmt.Fprintf(&out, "6x4 -> ")
		out.WriteString(dump(scaleTo(src, size[0], size[1])))
	}
	golden.RequireEqual(t, out.String())
}

// TestScaleExact checks the filter by hand: whole blocks average to their
// colour, and a 3→2 reduction weighs the middle pixel half into each side.
func TestScaleExact(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	quad := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}
	for y := range 4 {
		for x := range 4 {
			img.Set(x, y, quad[(y/2)*2+x/2])
		}
	}
	p := scaleTo(img, 2, 2)
	for i, c := range quad {
		r, g, b := p.RGB(i%2, i/2)
		if r != c.R || g != c.G || b != c.B {
			t.Errorf("block %d: got %d,%d,%d want %v", i, r, g, b, c)
		}
	}
	line := image.NewRGBA(image.Rect(0, 0, 3, 1))
	line.Set(0, 0, color.RGBA{0, 0, 0, 255})
	line.Set(1, 0, color.RGBA{90, 90, 90, 255})
	line.Set(2, 0, color.RGBA{180, 180, 180, 255})
	p = scaleTo(line, 2, 1)
	// Left: 2/3 of pixel 0 and 1/3 of pixel 1 = 30; right: 1/3·90 + 2/3·180 = 150.
	if r, _, _ := p.RGB(0, 0); r != 30 {
		t.Errorf("left = %d, want 30", r)
	}
	if r, _, _ := p.RGB(1, 0); r != 150 {
		t.Errorf("right = %d, want 150", r)
	}
}

// TestScaleYCbCrMatchesRGBA: the decoder's 4:2:0 frames take the fast
// path, which must agree with scaling the same image as RGBA.
func TestScaleYCbCrMatchesRGBA(t *testing.T) {
	rgba := gradient(64, 48)
	yc := image.NewYCbCr(rgba.Rect, image.YCbCrSubsampleRatio420)
	for y := range 48 {
		for x := range 64 {
			c := rgba.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			yc.Y[yc.YOffset(x, y)] = yy
			yc.Cb[yc.COffset(x, y)], yc.Cr[yc.COffset(x, y)] = cb, cr // last write of the 2×2 block wins
		}
	}
	a, b := scaleTo(rgba, 16, 12), scaleTo(yc, 16, 12)
	for i := range a.Pix {
		if d := int(a.Pix[i]) - int(b.Pix[i]); d < -12 || d > 12 {
			t.Fatalf("pixel %d channel %d: RGBA %d, YCbCr %d", i/3, i%3, a.Pix[i], b.Pix[i])
		}
	}
}

// TestFit checks aspect-correct sizes for the modes.
func TestFit(t *testing.T) {
	tests := []struct {
		sw, sh, cols, rows int
		mode               Mode
		w, h               int
	}{
		{640, 480, 80, 24, TrueColor, 64, 48},  // height-limited: 48 px rows → 64 px wide
		{640, 480, 80, 40, TrueColor, 80, 60},  // width-limited
		{1280, 720, 80, 24, TrueColor, 80, 46}, // 45 rounded up to even
		{640, 480, 80, 24, ASCII, 64, 24},
		{640, 480, 20, 40, ASCII, 20, 8},
		{640, 480, 1, 1, TrueColor, 1, 2},
		{0, 480, 80, 24, TrueColor, 0, 0},
	}
	for _, tt := range tests {
		w, h := Fit(tt.sw, tt.sh, tt.cols, tt.rows, tt.mode)
		if w != tt.w || h != tt.h {
			t.Errorf("Fit(%d×%d into %d×%d %v) = %d×%d, want %d×%d", tt.sw, tt.sh, tt.cols, tt.rows, tt.mode, w, h, tt.w, tt.h)
		}
	}
}

// testPicture is 4×4 pixels: a red/blue top half over a two-tone bottom
// half, so cells with equal and unequal halves both occur.
func testPicture() *Picture {
	p := NewPicture(4, 4)
	for x := range 4 {
		for y := range 2 {
			if x < 2 {
				p.Set(x, y, 255, 0, 0)
			} else {
				p.Set(x, y, 0, 0, 255)
			}
		}
		p.Set(x, 2, 255, 255, 255)
		p.Set(x, 3, uint8(60*x), 128, 0)
	}
	return p
}

// TestEncodeGolden pins the cells of every mode, centred in a 6×3 tile.
func TestEncodeGolden(t *testing.T) {
	for _, mode := range []Mode{TrueColor, Color256, ASCII} {
		t.Run(mode.String(), func(t *testing.T) {
			var e encoder
			lines := e.Encode(testPicture(), 6, 3, mode)
			if len(lines) != 3 {
				t.Fatalf("%d lines", len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != 6 {
					t.Errorf("line %d is %d cells: %q", i, w, l)
				}
			}
			golden.RequireEqual(t, strings.Join(lines, "\n"))
		})
	}
}

// TestHalfBlockColours decodes the SGR of one cell: ▀ with the upper
// pixel as foreground and the lower as background.
func TestHalfBlockColours(t *testing.T) {
	p := NewPicture(1, 2)
	p.Set(0, 0, 10, 20, 30)
	p.Set(0, 1, 40, 50, 60)
	var e encoder
	got := e.Encode(p, 1, 1, TrueColor)[0]
	want := "\x1b[38;2;10;20;30;48;2;40;50;60m▀\x1b[m"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPalette256(t *testing.T) {
	tests := []struct {
		r, g, b uint8
		want    uint8
	}{
		{0, 0, 0, 16}, {255, 255, 255, 231}, {255, 0, 0, 196}, {0, 0, 255, 21},
		{128, 128, 128, 244}, {8, 8, 8, 232}, {191, 191, 0, 142},
	}
	for _, tt := range tests {
		if got := palette256(tt.r, tt.g, tt.b); got != tt.want {
			t.Errorf("palette256(%d,%d,%d) = %d, want %d", tt.r, tt.g, tt.b, got, tt.want)
		}
	}
}

func TestDetectMode(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want Mode
	}{
		{map[string]string{"COLORTERM": "truecolor", "TERM": "xterm-256color"}, TrueColor},
		{map[string]string{"COLORTERM": "24bit"}, TrueColor},
		{map[string]string{"TERM": "xterm-256color"}, Color256},
		{map[string]string{"TERM": "dumb", "COLORTERM": "truecolor"}, ASCII},
		{map[string]string{"NO_COLOR": "1", "COLORTERM": "truecolor"}, ASCII},
	}
	for _, tt := range tests {
		if got := DetectMode(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.env, got, tt.want)
		}
	}
}

// BenchmarkScaleEncode640x480To80x24 is the per-frame cost of drawing a
// decoded 640×480 frame into an 80×24 tile in truecolor: goal < 1 ms.
func BenchmarkScaleEncode640x480To80x24(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	for i := range src.Y {
		src.Y[i] = uint8(i * 7)
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = uint8(i*3), uint8(i*5)
	}
	for _, mode := range []Mode{TrueColor, Color256, ASCII} {
		b.Run(mode.String(), func(b *testing.B) {
			var r Renderer
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Render(src, 80, 24, mode)
			}
		})
	}
}
