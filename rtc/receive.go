package rtc

import (
	"errors"
	"io"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// pliMinGap is the shortest time between two picture-loss requests to one
// peer, whoever asks (the receive loop waiting for a first key frame, or
// the video view after a loss): short, so a lost first key frame is
// recovered well within a second, yet never a request per frame.
const pliMinGap = 250 * time.Millisecond

// receiveTrack reads one remote track until it ends: audio goes to the
// audio sink, video frames are counted (and passed to the video sink), and
// the receiver's RTCP is drained so reports keep flowing.
func (s *Session) receiveTrack(p *peer, pc *webrtc.PeerConnection, t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	p.mu.Lock()
	p.inSSRCs = append(p.inSSRCs, uint32(t.SSRC()))
	p.codecs[t.Kind().String()] = codecName(t.Codec().MimeType)
	p.mu.Unlock()
	go drainRTCP(r)

	if t.Kind() == webrtc.RTPCodecTypeVideo {
		p.videoSSRC.Store(uint32(t.SSRC()))
		// Media sent before DTLS was up is lost, often with the first key
		// frame: ask for one as soon as the track arrives.
		s.askKeyFrame(p, pc, t.SSRC())
	}
	seq := seqCounter{expected: &p.rtpExp, lost: &p.rtpLost}
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		seq.observe(pkt.SequenceNumber)
		switch t.Kind() {
		case webrtc.RTPCodecTypeAudio:
			if s.cfg.Audio != nil {
				s.cfg.Audio.Push(p.id, pkt)
			}
		case webrtc.RTPCodecTypeVideo:
			if w, h, ok := vp8KeyFrameSize(pkt); ok {
				p.width.Store(uint32(w))
				p.height.Store(uint32(h))
			}
			if pkt.Marker {
				p.frames.Add(1)
			}
			if s.cfg.Video != nil {
				s.cfg.Video.Push(p.id, pkt)
			}
			if p.width.Load() == 0 {
				// Still no key frame seen: keep asking, rate-limited.
				s.askKeyFrame(p, pc, t.SSRC())
			}
		}
	}
}

// RequestKeyFrame asks a peer for a video key frame (a picture loss
// indication), e.g. after a decode error. It is rate-limited per peer
// (pliMinGap), so callers may ask on every frame they cannot decode.
func (s *Session) RequestKeyFrame(peerID string) {
	p := s.peerByID(peerID)
	if p == nil {
		return
	}
	if pc, ssrc := s.peerPC(p), p.videoSSRC.Load(); pc != nil && ssrc != 0 {
		s.askKeyFrame(p, pc, webrtc.SSRC(ssrc))
	}
}

// askKeyFrame sends p a picture loss indication unless one went out less
// than pliMinGap ago; a request inside the gap is dropped, since whoever
// wants the key frame keeps asking until it arrives.
func (s *Session) askKeyFrame(p *peer, pc *webrtc.PeerConnection, ssrc webrtc.SSRC) {
	p.mu.Lock()
	ok := p.plis.Allow(s.now())
	p.mu.Unlock()
	if ok {
		_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
	}
}

// drainRTCP reads a receiver's RTCP until it ends, so the interceptors see
// every report (the stats interceptor needs them).
func drainRTCP(r *webrtc.RTPReceiver) {
	for {
		if _, _, err := r.ReadRTCP(); err != nil {
			return
		}
	}
}

// readSenderRTCP turns picture-loss and full-intra requests from the peer
// into key frames of the encoder that feeds the sender (keyFrame).
func (s *Session) readSenderRTCP(sender *webrtc.RTPSender, keyFrame func()) {
	if err := mediacodec.ForwardKeyFrameRequests(sender, keyFrame); err != nil && !errors.Is(err, io.EOF) {
		s.log.Debug("sender rtcp", "err", err)
	}
}

// vp8KeyFrameSize reads the frame size from the first packet of a VP8 key
// frame (RFC 6386 section 9.1), if pkt is one.
func vp8KeyFrameSize(pkt *rtp.Packet) (w, h int, ok bool) {
	var vp8 codecs.VP8Packet
	payload, err := vp8.Unmarshal(pkt.Payload)
	if err != nil || vp8.S != 1 || vp8.PID != 0 || len(payload) < 10 {
		return 0, 0, false
	}
	if payload[0]&1 != 0 { // inter frame
		return 0, 0, false
	}
	if payload[3] != 0x9d || payload[4] != 0x01 || payload[5] != 0x2a {
		return 0, 0, false
	}
	w = int(payload[6]) | int(payload[7]&0x3f)<<8
	h = int(payload[8]) | int(payload[9]&0x3f)<<8
	return w, h, w > 0 && h > 0
}

// codecName turns "video/VP8" into "VP8".
func codecName(mime string) string {
	for i := 0; i < len(mime); i++ {
		if mime[i] == '/' {
			return mime[i+1:]
		}
	}
	return mime
}
