package devices

import (
	"sync/atomic"
	"testing"

	"github.com/pion/webrtc/v4"
)

// Three peers receive the same encoded stream from one encoder per kind.
func TestEncodeOnceForThreePeers(t *testing.T) {
	m := openFake(t, "erin")
	api := loopbackAPI(t)
	const peers = 3
	var keyFrames, audioPkts [peers]atomic.Int64
	for i := range peers {
		linkPeer(t, api, m, func(tr *webrtc.TrackRemote) {
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if tr.Kind() == webrtc.RTPCodecTypeAudio {
					audioPkts[i].Add(1)
					continue
				}
				// First packet of a VP8 key frame: S bit, PID 0, then P bit clear.
				if len(pkt.Payload) > 1 && pkt.Payload[0]&0x10 != 0 {
					if hdr := vp8PayloadStart(pkt.Payload); hdr < len(pkt.Payload) && isVP8KeyFrame(pkt.Payload[hdr:]) {
						keyFrames[i].Add(1)
					}
				}
			}
		})
	}
	waitFor(t, "a key frame and audio at every peer", func() bool {
		for i := range peers {
			if keyFrames[i].Load() == 0 || audioPkts[i].Load() < 5 {
				return false
			}
		}
		return true
	})
	if s := m.Stats(); s.VideoEncoders != 1 || s.AudioEncoders != 1 {
		t.Fatalf("encoders: %d video, %d audio; want 1 each for %d peers", s.VideoEncoders, s.AudioEncoders, peers)
	}
}

// vp8PayloadStart skips the VP8 payload descriptor (RFC 7741, section 4.2).
func vp8PayloadStart(p []byte) int {
	i := 1
	if p[0]&0x80 != 0 { // X: extensions
		if len(p) < 2 {
			return len(p)
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture id
			if i < len(p) && p[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	return i
}
