package lkengine

import (
	"testing"

	"github.com/pion/rtcp"
)

// TestWantsKeyFrame: PLI and FIR (also inside a compound packet) ask for
// a key frame; receiver reports and junk do not.
func TestWantsKeyFrame(t *testing.T) {
	enc := func(ps ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(ps)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rr := &rtcp.ReceiverReport{SSRC: 1}
	for name, c := range map[string]struct {
		b    []byte
		want bool
	}{
		"pli":           {enc(&rtcp.PictureLossIndication{MediaSSRC: 2}), true},
		"fir":           {enc(&rtcp.FullIntraRequest{MediaSSRC: 2, FIR: []rtcp.FIREntry{{SSRC: 2}}}), true},
		"compound pli":  {enc(rr, &rtcp.PictureLossIndication{MediaSSRC: 2}), true},
		"receiver only": {enc(rr), false},
		"junk":          {[]byte{0xff, 0x00, 0x01}, false},
	} {
		if got := wantsKeyFrame(c.b); got != c.want {
			t.Errorf("%s: wantsKeyFrame = %v, want %v", name, got, c.want)
		}
	}
}
