package videoview

import (
	"image"
	"image/color"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Colours of the test pattern: the left half, the right half, the bar.
var (
	patLeft  = color.RGBA{200, 30, 30, 255}
	patRight = color.RGBA{30, 30, 200, 255}
	patBar   = color.RGBA{240, 240, 240, 255}
)

// patternFrame draws the test pattern at frame n: red left, blue right,
// and a white bar that moves across by w/16 a frame.
func patternFrame(w, h, n int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	barW := w / 16
	barX := (n * barW) % w
	for y := range h {
		for x := range w {
			c := patLeft
			if x >= w/2 {
				c = patRight
			}
			if x >= barX && x < barX+barW {
				c = patBar
			}
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			img.Y[img.YOffset(x, y)] = yy
			img.Cb[img.COffset(x, y)], img.Cr[img.COffset(x, y)] = cb, cr
		}
	}
	return img
}

// vp8Sender encodes frames with libvpx (as devices does) and packetizes
// them as Pion would send them. ForceKeyFrame answers a PLI.
type vp8Sender struct {
	t    testing.TB
	enc  codec.ReadCloser
	slot *imageSlot
	pz   rtp.Packetizer
	mu   sync.Mutex
	kf   bool
}

type imageSlot struct{ img image.Image }

func (s *imageSlot) Read() (image.Image, func(), error) {
	img := s.img
	s.img = nil
	return img, func() {}, nil
}

func newVP8Sender(t testing.TB, w, h, fps int) *vp8Sender {
	t.Helper()
	params, err := vpx.NewVP8Params()
	if err != nil {
		t.Fatal(err)
	}
	params.BitRate = 500_000
	params.RateControlEndUsage = vpx.RateControlCBR
	params.LagInFrames = 0
	params.KeyFrameInterval = 1000 // key frames only on request
	slot := &imageSlot{}
	enc, err := params.BuildVideoEncoder(slot, prop.Media{Video: prop.Video{Width: w, Height: h, FrameRate: float32(fps), FrameFormat: frame.FormatI420}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = enc.Close() })
	pz := rtp.NewPacketizer(1200, 96, 0x5eed, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	return &vp8Sender{t: t, enc: enc, slot: slot, pz: pz}
}

// requestKeyFrame makes the next frame a key frame.
func (s *vp8Sender) requestKeyFrame(string) {
	s.mu.Lock()
	s.kf = true
	s.mu.Unlock()
}

// encode turns one image into a VP8 frame.
func (s *vp8Sender) encode(img image.Image) []byte {
	s.mu.Lock()
	force := s.kf
	s.kf = false
	s.mu.Unlock()
	if force {
		if kc, ok := s.enc.Controller().(codec.KeyFrameController); ok {
			if err := kc.ForceKeyFrame(); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	s.slot.img = img
	data, release, err := s.enc.Read()
	if err != nil {
		s.t.Fatal(err)
	}
	out := append([]byte(nil), data...)
	release()
	return out
}

// packets encodes and packetizes one image at fps.
func (s *vp8Sender) packets(img image.Image, fps int) []*rtp.Packet {
	return s.pz.Packetize(s.encode(img), uint32(90000/fps))
}

// cell is one terminal cell's colours as parsed from half-block output.
type cell struct {
	fg, bg color.RGBA
	ch     rune
}

// upper and lower are the colours of the cell's two pixels.
func (c cell) upper() color.RGBA {
	if c.ch == '▀' {
		return c.fg
	}
	return c.bg
}

func (c cell) lower() color.RGBA { return c.bg }

// parseCells reads a truecolor half-block line back into cells.
func parseCells(t testing.TB, line string) []cell {
	t.Helper()
	var cells []cell
	var fg, bg color.RGBA
	for len(line) > 0 {
		if strings.HasPrefix(line, "\x1b[") {
			end := strings.IndexByte(line, 'm')
			params := strings.Split(line[2:end], ";")
			line = line[end+1:]
			for i := 0; i < len(params); i++ {
				switch params[i] {
				case "", "0":
					fg, bg = color.RGBA{}, color.RGBA{}
				case "38", "48":
					if params[i+1] != "2" {
						t.Fatalf("not truecolor: %q", params)
					}
					c := color.RGBA{atoi(t, params[i+2]), atoi(t, params[i+3]), atoi(t, params[i+4]), 255}
					if params[i] == "38" {
						fg = c
					} else {
						bg = c
					}
					i += 4
				}
			}
			continue
		}
		r, size := []rune(line[:min(len(line), 4)])[0], 0
		size = len(string(r))
		line = line[size:]
		cells = append(cells, cell{fg: fg, bg: bg, ch: r})
	}
	return cells
}

func atoi(t testing.TB, s string) uint8 {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return uint8(n)
}

// near reports whether two colours are within tol per channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}
