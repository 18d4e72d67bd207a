package rtc

import (
	"context"
	"fmt"
	"github.com/rtcterm/rtcterm/iceroute"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// CollectStats measures one peer connection now (docs/slice.md's
// collectConnectionStats): round-trip time of the nominated candidate pair,
// bitrates and loss over the interval since the previous call, jitter,
// frames per second, resolution, codecs and route. One call per peer at a
// time is expected; concurrent calls for one peer share a baseline.
func (s *Session) CollectStats(ctx context.Context, peerID string) (store.Stats, error) {
	p := s.peerByID(peerID)
	if p == nil {
		return store.Stats{}, fmt.Errorf("stats for %q: %w", peerID, ErrPeerNotFound)
	}
	pc := s.peerPC(p)
	if pc == nil {
		return store.Stats{}, fmt.Errorf("stats for %q: %w", peerID, ErrPeerNotFound)
	}
	if err := ctx.Err(); err != nil {
		return store.Stats{}, err
	}
	now := s.now()
	var st store.Stats
	report := pc.GetStats()
	iceroute.Fill(&st, report)

	var cur counters
	cur.at = now
	cur.frames = p.frames.Load()
	cur.rtpExpected = p.rtpExp.Load()
	cur.rtpLost = p.rtpLost.Load()
	var jitter float64
	var remoteRTT time.Duration
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.getter.Load(); g != nil {
		for _, ssrc := range p.inSSRCs {
			if x := (*g).Get(ssrc); x != nil {
				in := x.InboundRTPStreamStats
				cur.recvBytes += in.BytesReceived + in.HeaderBytesReceived
				jitter = max(jitter, in.Jitter)
			}
		}
		for _, ssrc := range p.outSSRCs {
			if x := (*g).Get(ssrc); x != nil {
				cur.sentBytes += x.OutboundRTPStreamStats.BytesSent + x.OutboundRTPStreamStats.HeaderBytesSent
				remoteRTT = max(remoteRTT, x.RemoteInboundRTPStreamStats.RoundTripTime)
			}
		}
	}
	cur.valid = true
	st.JitterMillis = jitter * 1000
	if st.RTTMillis == 0 && remoteRTT > 0 {
		st.RTTMillis = float64(remoteRTT) / float64(time.Millisecond)
	}
	st.Width, st.Height = int(p.width.Load()), int(p.height.Load())
	st.VideoCodec, st.AudioCodec = p.codecs["video"], p.codecs["audio"]
	if s.cfg.Audio != nil {
		st.AudioLevel = s.cfg.Audio.Level(peerID)
	}
	s.fillCongestion(&st, p)
	applyDeltas(&st, p.baseline, cur)
	clampClaims(&st)
	p.baseline = cur
	return st, nil
}

// Bounds of what a peer's stream can make the stats claim: frames are
// counted from marker bits and sizes read from key-frame headers, both of
// which a peer writes.
const (
	maxClaimedFPS  = 120
	maxClaimedSide = 4096
)

// clampClaims keeps figures a peer controls within what any real stream
// shows: a frame rate beyond maxClaimedFPS reads as that, a picture size
// beyond maxClaimedSide as unknown.
func clampClaims(st *store.Stats) {
	st.FramesPerSecond = min(st.FramesPerSecond, maxClaimedFPS)
	if st.Width > maxClaimedSide || st.Height > maxClaimedSide {
		st.Width, st.Height = 0, 0
	}
	st.LossPct = min(max(st.LossPct, 0), 100)
}

// peerPC reads a peer's connection from outside the loop.
func (s *Session) peerPC(p *peer) *webrtc.PeerConnection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return p.pc
}

// applyDeltas derives rates over the interval between two samples. An
// interval where a counter went down (new stream after renegotiation) is
// skipped rather than reported as nonsense.
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
	if exp := cur.rtpExpected - prev.rtpExpected; exp > 0 && cur.rtpExpected >= prev.rtpExpected {
		st.LossPct = 100 * float64(cur.rtpLost-prev.rtpLost) / float64(exp)
	}
}
