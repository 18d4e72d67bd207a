package call

import (
	"sync"

	"github.com/pion/rtp"
)

// packetSink is what both engines push remote media into (rtc.AudioSink,
// rtc.VideoSink and their lkengine twins, minus Level).
type packetSink interface {
	Push(peerID string, pkt *rtp.Packet)
	RemovePeer(peerID string)
}

// gate sits in front of one sink (the audio player or the video decoder)
// during a handover. Each peer's media comes from the mesh until its first
// packet arrives through the SFU; from then on only the SFU's gets in, so
// the sink sees one stream per peer and never two interleaved.
type gate struct {
	sink packetSink // nil: nobody receives this kind

	mu    sync.Mutex
	onSFU map[string]bool // peers whose media comes through the SFU
}

func newGate(sink packetSink) *gate { return &gate{sink: sink, onSFU: map[string]bool{}} }

// moved reports whether peer's media already comes through the SFU.
func (g *gate) moved(peer string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.onSFU[peer]
}

// reset gives every peer back to the mesh (the SFU engine failed).
func (g *gate) reset() {
	g.mu.Lock()
	g.onSFU = map[string]bool{}
	g.mu.Unlock()
}

// meshSide is the gate as the mesh sees it.
type meshSide struct{ g *gate }

func (m meshSide) Push(peer string, pkt *rtp.Packet) {
	if m.g.sink != nil && !m.g.moved(peer) {
		m.g.sink.Push(peer, pkt)
	}
}

// RemovePeer forgets a peer unless it lives on in the SFU.
func (m meshSide) RemovePeer(peer string) {
	if m.g.sink != nil && !m.g.moved(peer) {
		m.g.sink.RemovePeer(peer)
	}
}

// sfuSide is the gate as the SFU engine sees it.
type sfuSide struct{ g *gate }

func (s sfuSide) Push(peer string, pkt *rtp.Packet) {
	s.g.mu.Lock()
	s.g.onSFU[peer] = true
	s.g.mu.Unlock()
	if s.g.sink != nil {
		s.g.sink.Push(peer, pkt)
	}
}

func (s sfuSide) RemovePeer(peer string) {
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
