package rtc

import (
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// LayeredMedia is implemented by local media that encodes its video in
// (at most) two layers, each once however many peers there are
// (mediacodec.LayerHigh and LayerLow). It is optional: with it, every peer
// connection gets a video track of its own, fed with the encoded frames of
// the layer that peer's link fits, and each layer's encoder follows the
// lowest estimate among the peers on it; without it, the session adds the
// one shared VideoTrack to every connection (and drives RateController, if
// implemented). devices.Media implements it.
type LayeredMedia interface {
	// LayerMax is a layer's ceiling: bitrate and frame rate.
	LayerMax(l mediacodec.Layer) (kbps, fps int)
	// SubscribeLayer makes fn see every encoded VP8 frame of layer l
	// (Sample.Timestamp is its capture time) until cancel is called. A
	// layer may be encoded only while it has subscribers; starting one
	// starts with a key frame. fn runs on the media's encoding goroutine:
	// it must be quick, must not block, and must not change the data,
	// which every subscriber shares. A frame being delivered as cancel
	// returns may still reach fn.
	SubscribeLayer(l mediacodec.Layer, fn func(media.Sample)) (cancel func())
	// SetLayerTarget sets one layer's bitrate and frame rate, or pauses
	// it. It must be cheap and must not block.
	SetLayerTarget(l mediacodec.Layer, kbps, fps int, paused bool)
	// RequestLayerKeyFrame asks one layer for a key frame (merged with
	// others close to it, as RequestKeyFrame's are).
	RequestLayerKeyFrame(l mediacodec.Layer)
}

// noLayer stands for "no video": the peer's video is paused.
const noLayer mediacodec.Layer = -1

// layerName is store.Stats.SendLayer for a layer: "high", "low" or
// "paused".
func layerName(l mediacodec.Layer) string {
	if l == noLayer {
		return "paused"
	}
	return l.String()
}

// Switching waits for a key frame of the new layer; if none has come this
// long after asking, it asks again (the request, or the frame, was lost to
// rate control).
const switchRetry = time.Second

// peerVideo is one peer connection's own video track, fed with the frames
// of the layer chosen for that peer. Packetizing per peer is cheap; the
// encoding is shared. A switch happens at a key frame of the new layer:
// until one arrives the old layer goes on, so the receiver sees no freeze,
// and as both feed the same track, its SSRC, sequence numbers and
// timestamps run on without a break (no ReplaceTrack, see the field notes).
type peerVideo struct {
	track *webrtc.TrackLocalStaticSample
	media LayeredMedia

	mu       sync.Mutex
	cur      mediacodec.Layer // whose frames are written; noLayer: none yet, or paused
	want     mediacodec.Layer // the layer chosen; cur != want while switching
	cancels  [mediacodec.Layers]func()
	lastAt   time.Time // capture time of the last frame written
	askedAt  time.Time // when the pending switch asked for a key frame
	switches int       // layer changes completed (at a key frame)
	closed   bool
}

// newPeerVideo makes a track for one peer connection, starting on layer
// first (its first frame is the layer's next key frame).
func newPeerVideo(m LayeredMedia, first mediacodec.Layer, now time.Time) (*peerVideo, error) {
	t, err := webrtc.NewTrackLocalStaticSample(mediacodec.VP8, "video", "rtcterm")
	if err != nil {
		return nil, err
	}
	pv := &peerVideo{track: t, media: m, cur: noLayer, want: noLayer}
	pv.setLayer(first, now)
	return pv, nil
}

// setLayer chooses the layer sent from now on. Leaving for another layer
// subscribes to it and asks it for a key frame; the switch completes when
// that arrives. noLayer stops video at once.
func (pv *peerVideo) setLayer(l mediacodec.Layer, now time.Time) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	if pv.closed {
		return
	}
	if l == pv.want {
		if l != noLayer && l != pv.cur && now.Sub(pv.askedAt) >= switchRetry {
			pv.askedAt = now
			pv.media.RequestLayerKeyFrame(l)
		}
		return
	}
	pv.want = l
	if l == noLayer {
		pv.cur = noLayer
	} else if pv.cancels[l] == nil {
		pv.cancels[l] = pv.media.SubscribeLayer(l, func(s media.Sample) { pv.frame(l, s) })
	}
	for x := range pv.cancels {
		if x := mediacodec.Layer(x); x != pv.cur && x != pv.want {
			pv.unsubscribeLocked(x)
		}
	}
	if l != noLayer && l != pv.cur {
		pv.askedAt = now
		pv.media.RequestLayerKeyFrame(l)
	}
}

func (pv *peerVideo) unsubscribeLocked(l mediacodec.Layer) {
	if c := pv.cancels[l]; c != nil {
		c()
		pv.cancels[l] = nil
	}
}

// frame writes one encoded frame of layer l if it is the layer sent, or
// the layer switched to and a key frame (which completes the switch).
func (pv *peerVideo) frame(l mediacodec.Layer, s media.Sample) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	switch {
	case pv.closed:
		return
	case l == pv.cur:
	case l == pv.want && isVP8Key(s.Data):
		if old := pv.cur; old != noLayer {
			pv.unsubscribeLocked(old)
			pv.switches++
		}
		pv.cur = l
	default:
		return
	}
	// The track's timestamps advance by each sample's duration: the real
	// gap between captures, whichever layer they came from.
	dur := 33 * time.Millisecond
	if !pv.lastAt.IsZero() {
		dur = min(max(s.Timestamp.Sub(pv.lastAt), time.Millisecond), time.Second)
	}
	pv.lastAt = s.Timestamp
	_ = pv.track.WriteSample(media.Sample{Data: s.Data, Duration: dur}) // fails only while the connection closes
}

// sending reports the layer whose frames are written and the one chosen.
func (pv *peerVideo) sending() (cur, want mediacodec.Layer) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	return pv.cur, pv.want
}

// requestKeyFrame asks for a key frame of what the peer decodes: the layer
// sent, or while none is yet, the one it is switching to.
func (pv *peerVideo) requestKeyFrame() {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	l := pv.cur
	if l == noLayer {
		l = pv.want
	}
	if l != noLayer && !pv.closed {
		pv.media.RequestLayerKeyFrame(l)
	}
}

// close drops the subscriptions: nothing more is written.
func (pv *peerVideo) close() {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	pv.closed = true
	for x := range pv.cancels {
		pv.unsubscribeLocked(mediacodec.Layer(x))
	}
}

// isVP8Key reads a VP8 frame's tag: bit 0 of the first byte is 0 for key
// frames (RFC 6386, section 9.1).
func isVP8Key(data []byte) bool { return len(data) > 0 && data[0]&1 == 0 }
