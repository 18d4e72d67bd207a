package videoview

import (
	"strconv"
	"strings"
)

// Mode is how pictures become terminal cells.
type Mode int

// The cell encodings, from richest to plainest.
const (
	// TrueColor draws two pixel rows per cell with the upper half block
	// "▀": foreground the upper pixel, background the lower, 24-bit colour.
	TrueColor Mode = iota
	// Color256 is TrueColor with the xterm 256-colour palette.
	Color256
	// ASCII draws one pixel per cell as a character of a brightness ramp,
	// without colour.
	ASCII
)

// String names the mode as the --video-colors flag would.
func (m Mode) String() string {
	switch m {
	case TrueColor:
		return "truecolor"
	case Color256:
		return "256"
	case ASCII:
		return "ascii"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// DetectMode picks the cell encoding for the terminal the environment
// describes: ASCII when NO_COLOR is set or TERM is dumb, TrueColor when
// COLORTERM says truecolor or 24bit, else Color256.
func DetectMode(getenv func(string) string) Mode {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return ASCII
	}
	switch strings.ToLower(getenv("COLORTERM")) {
	case "truecolor", "24bit":
		return TrueColor
	}
	return Color256
}

// asciiRamp runs from dark to bright.
const asciiRamp = " .:-=+*#%@"

// Fit returns the picture size, in pixels, that shows a srcW×srcH frame as
// large as possible in a tile of cols×rows cells without distorting it:
// pixels are square in the half-block modes (a cell is about twice as tall
// as it is wide and holds two pixel rows) and one cell each, twice as tall
// as wide, in ASCII.
func Fit(srcW, srcH, cols, rows int, mode Mode) (w, h int) {
	if srcW <= 0 || srcH <= 0 || cols <= 0 || rows <= 0 {
		return 0, 0
	}
	// The tile in square units: cols wide, 2*rows tall.
	tw, th := cols, 2*rows
	w, h = tw, (tw*srcH+srcW/2)/srcW
	if h > th {
		w, h = (th*srcW+srcH/2)/srcH, th
	}
	w, h = max(min(w, tw), 1), max(min(h, th), 1)
	if mode == ASCII {
		return w, max((h+1)/2, 1)
	}
	if h%2 == 1 {
		if h < th {
			h++
		} else {
			h--
		}
	}
	return w, max(h, 2)
}

// encoder turns pictures into lines of cells. It keeps a byte buffer from
// frame to frame.
type encoder struct {
	buf []byte
}

// Encode renders pic centred in a tile of cols×rows cells and returns
// exactly rows lines, each cols cells wide; the space around the picture
// is blank (the terminal's own background). Each coloured line ends with a
// reset, so lines can be placed anywhere.
func (e *encoder) Encode(pic *Picture, cols, rows int, mode Mode) []string {
	lines := make([]string, rows)
	picRows := pic.H
	if mode != ASCII {
		picRows = (pic.H + 1) / 2
	}
	picCols := min(pic.W, cols)
	picRows = min(picRows, rows)
	top := (rows - picRows) / 2
	left := (cols - picCols) / 2
	blank := strings.Repeat(" ", cols)
	for r := range rows {
		pr := r - top
		if pr < 0 || pr >= picRows || picCols == 0 {
			lines[r] = blank
			continue
		}
		b := e.buf[:0]
		b = append(b, blank[:left]...)
		switch mode {
		case ASCII:
			b = appendASCIIRow(b, pic, pr, picCols)
		default:
			b = appendHalfBlockRow(b, pic, pr, picCols, mode)
		}
		b = append(b, blank[:cols-left-picCols]...)
		lines[r] = string(b)
		e.buf = b
	}
	return lines
}

// appendASCIIRow writes picture row y as ramp characters.
func appendASCIIRow(b []byte, pic *Picture, y, cols int) []byte {
	for x := range cols {
		r, g, bl := pic.RGB(x, y)
		l := luma(r, g, bl)
		b = append(b, asciiRamp[int(l)*len(asciiRamp)/256])
	}
	return b
}

// luma is the brightness of a colour, 0-255 (BT.601 weights).
func luma(r, g, b uint8) uint8 {
	return uint8((299*int(r) + 587*int(g) + 114*int(b) + 500) / 1000)
}

// appendHalfBlockRow writes cell row y: pixel rows 2y (foreground of "▀")
// and 2y+1 (background). Colours are only written when they change, and a
// cell whose two pixels agree is a space on the background colour.
func appendHalfBlockRow(b []byte, pic *Picture, y, cols int, mode Mode) []byte {
	const none = -1
	fg, bg := none, none // colour in effect: 0xRRGGBB, or a palette index
	for x := range cols {
		ur, ug, ub := pic.RGB(x, 2*y)
		lr, lg, lb := ur, ug, ub
		if 2*y+1 < pic.H {
			lr, lg, lb = pic.RGB(x, 2*y+1)
		}
		var up, lo int
		if mode == Color256 {
			up, lo = int(palette256(ur, ug, ub)), int(palette256(lr, lg, lb))
		} else {
			up, lo = rgbKey(ur, ug, ub), rgbKey(lr, lg, lb)
		}
		if up == lo {
			if bg != lo {
				b = appendSGR(b, false, lo, mode)
				bg = lo
			}
			b = append(b, ' ')
			continue
		}
		switch {
		case fg != up && bg != lo:
			b = appendSGR2(b, up, lo, mode)
		case fg != up:
			b = appendSGR(b, true, up, mode)
		case bg != lo:
			b = appendSGR(b, false, lo, mode)
		}
		fg, bg = up, lo
		b = append(b, "▀"...)
	}
	return append(b, "\x1b[m"...)
}

func rgbKey(r, g, b uint8) int { return int(r)<<16 | int(g)<<8 | int(b) }

// appendColor writes the parameters of one colour after the 38 or 48.
func appendColor(b []byte, c int, mode Mode) []byte {
	if mode == Color256 {
		b = append(b, ";5;"...)
		return strconv.AppendInt(b, int64(c), 10)
	}
	b = append(b, ";2;"...)
	b = strconv.AppendInt(b, int64(c>>16), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(c>>8&0xff), 10)
	b = append(b, ';')
	return strconv.AppendInt(b, int64(c&0xff), 10)
}

// appendSGR sets the foreground (fg) or background colour.
func appendSGR(b []byte, fg bool, c int, mode Mode) []byte {
	b = append(b, "\x1b["...)
	if fg {
		b = append(b, "38"...)
	} else {
		b = append(b, "48"...)
	}
	b = appendColor(b, c, mode)
	return append(b, 'm')
}

// appendSGR2 sets both colours in one sequence.
func appendSGR2(b []byte, fg, bg int, mode Mode) []byte {
	b = append(b, "\x1b[38"...)
	b = appendColor(b, fg, mode)
	b = append(b, ";48"...)
	b = appendColor(b, bg, mode)
	return append(b, 'm')
}

// cubeLevels are the channel values of the xterm 6×6×6 colour cube.
var cubeLevels = [6]int{0, 95, 135, 175, 215, 255}

// cubeIndex is the cube level nearest to v.
func cubeIndex(v uint8) int {
	switch {
	case v < 48:
		return 0
	case v < 115:
		return 1
	}
	return (int(v) - 35) / 40
}

// palette256 is the xterm palette entry (16-255) nearest to a colour: the
// colour cube's or the grey ramp's, whichever is closer.
func palette256(r, g, b uint8) uint8 {
	ri, gi, bi := cubeIndex(r), cubeIndex(g), cubeIndex(b)
	cr, cg, cb := cubeLevels[ri], cubeLevels[gi], cubeLevels[bi]
	avg := (int(r) + int(g) + int(b)) / 3
	gi2 := 23
	if avg < 238 {
		gi2 = max((avg-3)/10, 0)
	}
	grey := 8 + 10*gi2
	if dist(r, g, b, cr, cg, cb) <= dist(r, g, b, grey, grey, grey) {
		return uint8(16 + 36*ri + 6*gi + bi)
	}
	return uint8(232 + gi2)
}

func dist(r, g, b uint8, r2, g2, b2 int) int {
	dr, dg, db := int(r)-r2, int(g)-g2, int(b)-b2
	return dr*dr + dg*dg + db*db
}
