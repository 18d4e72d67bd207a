package call

import (
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// packetSink is what both engines push remote media into (rtc.AudioSink,
// rtc.VideoSink and their lkengine twins, minus Level).
type packetSink interface {
	Push(peerID string, pkt *rtp.Packet)
	RemovePeer(peerID string)
}

// gate sits in front of one sink (the audio player or the video decoder)
// during a handover. Each peer's media comes from the mesh until a packet
// the sink can start from arrives through the SFU (starts); from then on
// only the SFU's gets in, so the sink sees one stream per peer and never
// two interleaved.
type gate struct {
	sink   packetSink             // nil: nobody receives this kind
	starts func(*rtp.Packet) bool // whether the SFU's stream can take over at this packet

	now func() time.Time // the clock of the handover's account

	mu       sync.Mutex
	onSFU    map[string]bool      // peers whose media comes through the SFU
	sfuAt    map[string]time.Time // when it took over
	lastMesh map[string]time.Time // the mesh's last packet of the peer, taken or not
	lastSFU  map[string]time.Time // the SFU's last packet of the peer, taken or not
}

// handoverHole is how long the sink had nothing of peer because the mesh
// stopped before the SFU's stream took over: lastMesh to sfuAt, 0 when
// they overlapped (or the peer never came over the mesh).
func (g *gate) handoverHole(peer string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	last, at := g.lastMesh[peer], g.sfuAt[peer]
	if last.IsZero() || at.IsZero() || !at.After(last) {
		return 0
	}
	return at.Sub(last)
}

func newGate(sink packetSink, starts func(*rtp.Packet) bool, now func() time.Time) *gate {
	return &gate{sink: sink, starts: starts, now: now, onSFU: map[string]bool{}, sfuAt: map[string]time.Time{}, lastMesh: map[string]time.Time{}, lastSFU: map[string]time.Time{}}
}

// audioStarts: any packet with a payload (the SFU's probes carry only
// padding).
func audioStarts(pkt *rtp.Packet) bool { return len(pkt.Payload) > 0 }

// videoStarts: the first packet of a VP8 key frame, so the decoder moves
// from one stream to the other on a picture it can decode.
func videoStarts(pkt *rtp.Packet) bool {
	var vp8 codecs.VP8Packet
	payload, err := vp8.Unmarshal(pkt.Payload)
	return err == nil && vp8.S == 1 && vp8.PID == 0 && len(payload) > 0 && payload[0]&0x01 == 0
}

// moved reports whether peer's media already comes through the SFU.
func (g *gate) moved(peer string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.onSFU[peer]
}

// reset gives every peer back to the mesh (the SFU engine failed).
func (g *gate) reset() {
	g.mu.Lock()
	g.onSFU, g.sfuAt, g.lastSFU = map[string]bool{}, map[string]time.Time{}, map[string]time.Time{}
	g.mu.Unlock()
}

// meshQuietSince is when the mesh last delivered peer's media (zero: never).
func (g *gate) meshQuietSince(peer string) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastMesh[peer]
}

// meshSide is the gate as the mesh sees it.
type meshSide struct{ g *gate }

func (m meshSide) Push(peer string, pkt *rtp.Packet) {
	g := m.g
	g.mu.Lock()
	g.lastMesh[peer] = g.now()
	moved := g.onSFU[peer]
	g.mu.Unlock()
	if g.sink != nil && !moved {
		g.sink.Push(peer, pkt)
	}
}

// RemovePeer forgets a peer unless it lives on in the SFU: its stream
// there took over, or has started arriving and takes over at its next
// packet the sink can start from. The mesh leaving such a peer (at the
// deadline, before the take-over) must not empty the sink of it: the
// player would drop the audio it holds, and the decoder the last picture,
// so the tile went blank until the SFU's key frame.
func (m meshSide) RemovePeer(peer string) {
	g := m.g
	g.mu.Lock()
	lives := g.onSFU[peer] || !g.lastSFU[peer].IsZero()
	g.mu.Unlock()
	if g.sink != nil && !lives {
		g.sink.RemovePeer(peer)
	}
}

// sfuSide is the gate as the SFU engine sees it.
type sfuSide struct{ g *gate }

// Push passes the SFU's packets once its stream of peer has started;
// before that the mesh feeds the sink and these are dropped.
func (s sfuSide) Push(peer string, pkt *rtp.Packet) {
	s.g.mu.Lock()
	s.g.lastSFU[peer] = s.g.now()
	on := s.g.onSFU[peer]
	if !on && s.g.starts(pkt) {
		on = true
		s.g.onSFU[peer] = true
		s.g.sfuAt[peer] = s.g.now()
	}
	s.g.mu.Unlock()
	if on && s.g.sink != nil {
		s.g.sink.Push(peer, pkt)
	}
}

// RemovePeer forgets the peer, in the sink and in the gate: should the
// mesh still carry it (it left the SFU only), its media is the mesh's
// again.
func (s sfuSide) RemovePeer(peer string) {
	s.g.mu.Lock()
	delete(s.g.onSFU, peer)
	delete(s.g.sfuAt, peer)
	delete(s.g.lastSFU, peer)
	s.g.mu.Unlock()
	if s.g.sink != nil {
		s.g.sink.RemovePeer(peer)
	}
}

// levels adds the player's Level to a side, for the engines that ask.
type levels interface {
	Level(peerID string) float64
}

// audioSide is a side of the audio gate with the player's levels.
type audioSide struct {
	packetSink
	lv levels
}

func (a audioSide) Level(peer string) float64 {
	if a.lv == nil {
		return 0
	}
	return a.lv.Level(peer)
}
