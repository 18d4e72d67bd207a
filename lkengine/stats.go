package lkengine

import (
	"context"
	"fmt"
	"github.com/rtcterm/rtcterm/iceroute"
	"time"

	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// counters is one stats sample's cumulative counts, for rates.
type counters struct {
	valid     bool
	at        time.Time
	recvBytes uint64
	sentBytes uint64
	frames    uint64
	received  int64 // inbound packets received
	lost      int64 // inbound packets lost
}

// CollectStats measures what one remote participant's media looks like
// through the SFU: the round-trip time and route of our nominated pair to
// the SFU (subscriber transport, which carries their media; the publisher
// transport when we subscribe nothing), the receive bitrate, loss, jitter,
// frame rate and resolution of their subscribed tracks, and our own send
// bitrate (the same for every participant: we send once, to the SFU).
func (e *Engine) CollectStats(ctx context.Context, peerID string) (store.Stats, error) {
	if err := ctx.Err(); err != nil {
		return store.Stats{}, err
	}
	room := e.roomNow()
	if room == nil {
		return store.Stats{}, fmt.Errorf("stats for %q: %w", peerID, ErrClosed)
	}
	if room.GetParticipantByIdentity(peerID) == nil {
		return store.Stats{}, fmt.Errorf("stats for %q: %w", peerID, ErrPeerNotFound)
	}
	var st store.Stats
	if pc := room.LocalParticipant.GetSubscriberPeerConnection(); pc != nil {
		iceroute.Fill(&st, pc.GetStats())
	}
	pub := room.LocalParticipant.GetPublisherPeerConnection()
	if pub != nil && st.RTTMillis == 0 {
		iceroute.Fill(&st, pub.GetStats())
	}
	outSSRCs := senderSSRCs(pub)

	cur := counters{valid: true, at: e.now()}
	var jitter float64
	e.mu.Lock()
	getters := append([]stats.Getter(nil), e.getters...)
	var tracks []*recvTrack
	for _, t := range e.tracks {
		if t.peerID == peerID {
			tracks = append(tracks, t)
		}
	}
	st.Quality = e.quality[peerID]
	e.mu.Unlock()

	for _, t := range tracks {
		if x := lookup(getters, uint32(t.ssrc)); x != nil {
			in := x.InboundRTPStreamStats
			cur.recvBytes += in.BytesReceived + in.HeaderBytesReceived
			cur.received += int64(in.PacketsReceived)
			cur.lost += in.PacketsLost
			jitter = max(jitter, in.Jitter)
		}
		switch t.kind {
		case webrtc.RTPCodecTypeVideo:
			if st.VideoCodec == "" || t.forward.Load() {
				st.VideoCodec = t.codec
				st.Width, st.Height = int(t.width.Load()), int(t.height.Load())
				cur.frames = t.frames.Load()
			}
		case webrtc.RTPCodecTypeAudio:
			st.AudioCodec = t.codec
		}
	}
	for _, s := range outSSRCs {
		if x := lookup(getters, s); x != nil {
			cur.sentBytes += x.OutboundRTPStreamStats.BytesSent + x.OutboundRTPStreamStats.HeaderBytesSent
		}
	}
	st.JitterMillis = jitter * 1000
	if e.cfg.Audio != nil {
		st.AudioLevel = e.cfg.Audio.Level(peerID)
	}
	if rp := room.GetParticipantByIdentity(peerID); rp != nil {
		// LiveKit's own level (from the audio-level header extension)
		// drives its active-speaker list; either one lights the indicator.
		st.AudioLevel = max(st.AudioLevel, float64(rp.AudioLevel()))
	}

	e.mu.Lock()
	prev := e.baseline[peerID]
	e.baseline[peerID] = cur
	e.mu.Unlock()
	applyDeltas(&st, prev, cur)
	return st, nil
}

// lookup finds a stream's stats in whichever connection carries it.
func lookup(getters []stats.Getter, ssrc uint32) *stats.Stats {
	for _, g := range getters {
		if x := g.Get(ssrc); x != nil {
			return x
		}
	}
	return nil
}

// senderSSRCs lists the SSRCs we send on the publisher connection.
func senderSSRCs(pc *webrtc.PeerConnection) []uint32 {
	if pc == nil {
		return nil
	}
	var out []uint32
	for _, s := range pc.GetSenders() {
		if s.Track() == nil {
			continue
		}
		for _, enc := range s.GetParameters().Encodings {
			out = append(out, uint32(enc.SSRC))
		}
	}
	return out
}

// applyDeltas derives rates over the interval between two samples; an
// interval in which a counter went down (a track replaced) is skipped.
func applyDeltas(st *store.Stats, prev, cur counters) {
	if !prev.valid {
		return
	}
	secs := cur.at.Sub(prev.at).Seconds()
	if secs <= 0 {
		return
	}
	if cur.recvBytes >= prev.recvBytes {
		st.RecvKbps = float64(cur.recvBytes-prev.recvBytes) * 8 / 1000 / secs
	}
	if cur.sentBytes >= prev.sentBytes {
		st.SendKbps = float64(cur.sentBytes-prev.sentBytes) * 8 / 1000 / secs
	}
	if cur.frames >= prev.frames {
		st.FramesPerSecond = float64(cur.frames-prev.frames) / secs
	}
	recv, lost := cur.received-prev.received, cur.lost-prev.lost
	if recv >= 0 && lost > 0 {
		st.LossPct = 100 * float64(lost) / float64(recv+lost)
	}
}
