package call

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestGate: a peer's mesh packets reach the sink until the SFU's stream
// can take over (a key frame for video); from then on only the SFU's do,
// and the mesh can no longer remove the peer from the sink.
func TestGate(t *testing.T) {
	log := newPacketLog()
	clock := time.Unix(0, 0)
	g := newGate(log, videoStarts, func() time.Time { return clock })
	mesh, sfu := meshSide{g}, sfuSide{g}
	delta := &rtp.Packet{Payload: []byte{0x10, 0x01, 0x00}} // S=1 PID=0, inter frame
	key := &rtp.Packet{Payload: []byte{0x10, 0x00, 0x9d}}   // S=1 PID=0, key frame
	padding := &rtp.Packet{}

	mesh.Push("p", delta)
	sfu.Push("p", padding)
	sfu.Push("p", delta)
	if n := log.count("p"); n != 1 || g.moved("p") {
		t.Fatalf("before the SFU's key frame: %d packets, moved %v; want the mesh's 1", n, g.moved("p"))
	}
	clock = clock.Add(300 * time.Millisecond)
	sfu.Push("p", key)
	if h := g.handoverHole("p"); h != 300*time.Millisecond {
		t.Errorf("hole %v, want 300ms (the mesh's last packet to the SFU's key frame)", h)
	}
	clock = clock.Add(time.Millisecond)
	mesh.Push("p", delta)
	if h := g.handoverHole("p"); h != 0 {
		t.Errorf("hole %v once the mesh delivered after the SFU took over, want 0", h)
	}
	sfu.Push("p", delta)
	if n := log.count("p"); n != 3 || !g.moved("p") {
		t.Fatalf("after the key frame: %d packets, moved %v; want 3 (mesh, key, SFU delta)", n, g.moved("p"))
	}
	removed := 0
	g.sink = removeCounter{log, &removed}
	mesh.RemovePeer("p")
	if removed != 0 {
		t.Error("the mesh removed a peer that lives on in the SFU")
	}
	sfu.RemovePeer("p")
	if removed != 1 {
		t.Error("the SFU could not remove its peer")
	}
	if !audioStarts(&rtp.Packet{Payload: []byte{1}}) || audioStarts(padding) {
		t.Error("audio starts on any payload, never on padding")
	}
}

type removeCounter struct {
	*packetLog
	n *int
}

func (r removeCounter) RemovePeer(string) { *r.n++ }

// TestGateKeepsAPeerWhoseSFUStreamHasStarted: the mesh leaving a peer
// whose SFU stream is arriving but has not taken over yet (a video
// waiting for its key frame when the mesh closes at the deadline) leaves
// the sink's state of the peer alone: the decoder keeps the last picture
// and the player what it holds, until the SFU's stream takes over. A peer
// the SFU never delivered is forgotten as before, and one the SFU removes
// is the mesh's again.
func TestGateKeepsAPeerWhoseSFUStreamHasStarted(t *testing.T) {
	log := newPacketLog()
	removed := 0
	g := newGate(removeCounter{log, &removed}, videoStarts, time.Now)
	mesh, sfu := meshSide{g}, sfuSide{g}
	delta := &rtp.Packet{Payload: []byte{0x10, 0x01, 0x00}}
	key := &rtp.Packet{Payload: []byte{0x10, 0x00, 0x9d}}

	mesh.Push("p", delta)
	sfu.Push("p", delta) // arriving, not a key frame: no take-over yet
	mesh.RemovePeer("p")
	if removed != 0 {
		t.Fatal("the mesh emptied the sink of a peer whose SFU stream is arriving")
	}
	sfu.Push("p", key)
	if !g.moved("p") || log.count("p") != 2 {
		t.Fatalf("moved %v with %d packets, want the SFU's key frame after the mesh's delta", g.moved("p"), log.count("p"))
	}

	mesh.Push("q", delta)
	mesh.RemovePeer("q")
	if removed != 1 {
		t.Fatalf("a peer the SFU never delivered: %d removals, want 1", removed)
	}

	sfu.RemovePeer("p")
	if removed != 2 || g.moved("p") {
		t.Fatalf("after the SFU removed p: %d removals, moved %v; want 2, false", removed, g.moved("p"))
	}
	mesh.Push("p", delta)
	if log.count("p") != 3 {
		t.Error("the mesh's packets of a peer the SFU let go of did not reach the sink")
	}
}
