package lkengine

import (
	"strings"
	"sync/atomic"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// recvTrack is one subscribed remote track and what its reader counted.
type recvTrack struct {
	sid    string
	peerID string
	kind   webrtc.RTPCodecType
	codec  string // "VP8", "opus", "H264", ...
	vp8    bool
	source livekit.TrackSource
	ssrc   webrtc.SSRC

	forward atomic.Bool   // video: this track feeds the video sink
	frames  atomic.Uint64 // video frames completed (RTP marker bits)
	width   atomic.Uint32 // from the last VP8 key frame
	height  atomic.Uint32
}

// trackSubscribed starts reading a remote track that reached us.
func (e *Engine) trackSubscribed(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	if t == nil || pub == nil || rp == nil {
		return
	}
	mime := t.Codec().MimeType
	rt := &recvTrack{
		sid:    pub.SID(),
		peerID: rp.Identity(),
		kind:   t.Kind(),
		codec:  codecName(mime),
		vp8:    strings.EqualFold(mime, webrtc.MimeTypeVP8),
		source: pub.Source(),
		ssrc:   t.SSRC(),
	}
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		return
	}
	e.tracks[rt.sid] = rt
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		e.readTrack(t, rt)
	}()
}

// trackUnsubscribed forgets a track; its reader ends with the track.
func (e *Engine) trackUnsubscribed(pub *lksdk.RemoteTrackPublication) {
	if pub == nil {
		return
	}
	e.mu.Lock()
	delete(e.tracks, pub.SID())
	e.mu.Unlock()
}

// readTrack hands every packet of a remote track to its sink until the
// track ends (unsubscribed, or the SDK closed the connection). Opus goes
// to the audio sink; VP8 of the chosen track to the video sink, counted
// for frame rate and resolution.
func (e *Engine) readTrack(t *webrtc.TrackRemote, rt *recvTrack) {
	defer func() {
		e.mu.Lock()
		if e.tracks[rt.sid] == rt {
			delete(e.tracks, rt.sid)
		}
		e.mu.Unlock()
	}()
	audio := rt.kind == webrtc.RTPCodecTypeAudio && strings.EqualFold(rt.codec, "opus")
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		switch {
		case audio:
			if e.cfg.Audio != nil {
				e.cfg.Audio.Push(rt.peerID, pkt)
			}
		case rt.vp8:
			rt.count(pkt)
			if e.cfg.Video != nil && rt.forward.Load() {
				e.cfg.Video.Push(rt.peerID, pkt)
			}
		case rt.kind == webrtc.RTPCodecTypeVideo:
			if pkt.Marker {
				rt.frames.Add(1)
			}
		}
	}
}

// count notes a completed frame and, from a key frame's header, the size.
func (rt *recvTrack) count(pkt *rtp.Packet) {
	if pkt.Marker {
		rt.frames.Add(1)
	}
	if w, h, ok := vp8KeyFrameSize(pkt.Payload); ok {
		rt.width.Store(uint32(w))
		rt.height.Store(uint32(h))
	}
}

// vp8KeyFrameSize reads the picture size from the first packet of a VP8
// key frame (RFC 7741 payload descriptor, then RFC 6386 frame header).
// Anything else, or a malformed packet, gives ok false.
func vp8KeyFrameSize(p []byte) (w, h int, ok bool) {
	if len(p) < 1 {
		return 0, 0, false
	}
	d := p[0]
	start, pid := d&0x10 != 0, d&0x07
	if !start || pid != 0 {
		return 0, 0, false
	}
	i := 1
	if d&0x80 != 0 { // X: extension byte
		if len(p) <= i {
			return 0, 0, false
		}
		x := p[i]
		i++
		if x&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(p) <= i {
				return 0, 0, false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	f := p[min(i, len(p)):]
	// Frame tag: bit 0 clear for a key frame; then the start code.
	if len(f) < 10 || f[0]&0x01 != 0 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, false
	}
	w = int(f[6]) | int(f[7]&0x3f)<<8
	h = int(f[8]) | int(f[9]&0x3f)<<8
	return w, h, w > 0 && h > 0
}

// codecName is a MIME type's codec as the stats show it ("VP8", "opus").
func codecName(mime string) string {
	if _, after, ok := strings.Cut(mime, "/"); ok {
		return after
	}
	return mime
}
