package call

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/store"
)

// newIdleHandover is a handover that is never run: its mesh session
// exists but never dials, so the action filter can be driven by hand.
func newIdleHandover(t *testing.T) *handover {
	t.Helper()
	h := newHandover(Config{ServerURL: "ws://127.0.0.1:1/ws", Room: "r", Name: "me"}, handoverSinks{},
		func(context.Context) (*devices.Media, error) { return nil, errors.New("no media in this test") })
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// queued takes what the handover queued for Actions.
func queued(h *handover) []store.Action {
	items, _ := h.queue.Take()
	return items
}

// TestHandoverFilter: once LiveKit reports a peer, the mesh's news about
// it (its connection closing, its removal) no longer reaches the rows;
// LiveKit's own signaling and media reports never do (there is one
// signaling connection and one media); LiveKit ending while the mesh still
// carries a peer does not close its row.
func TestHandoverFilter(t *testing.T) {
	h := newIdleHandover(t)
	ph := &phase{meshPeers: map[string]bool{}, asked: map[string]time.Time{}}
	at := time.Unix(1, 0)
	h.fromMesh(store.AddPeerConnection{PeerID: "p", UserName: "Ada", At: at}, ph)
	h.fromMesh(store.UpdateConnectionStatus{PeerID: "p", Status: store.StatusConnected, At: at}, ph)
	h.fromMesh(store.AddPeerConnection{PeerID: "old", UserName: "v1 client", At: at}, ph)
	if got := len(queued(h)); got != 3 || !ph.meshPeers["p"] {
		t.Fatalf("before LiveKit: %d actions passed, mesh peers %v", got, ph.meshPeers)
	}
	ph.sfu = true
	for _, a := range []store.Action{
		store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnecting}},
		store.InitializeMediaPending{},
		store.InitializeMediaFulfilled{},
		store.UpdateConnectionStatus{PeerID: "p", Status: store.StatusClosed, At: at}, // LiveKit ending, mesh still up
	} {
		h.fromSFU(a, ph)
	}
	if got := queued(h); len(got) != 0 {
		t.Fatalf("LiveKit's signaling, media or premature close passed: %#v", got)
	}
	h.fromSFU(store.AddPeerConnection{PeerID: "p", UserName: "Ada", At: at}, ph)
	h.fromSFU(store.UpdateConnectionStatus{PeerID: "p", Status: store.StatusConnected, At: at}, ph)
	h.fromSFU(store.AddPeerConnection{PeerID: "new", UserName: "Bo", At: at}, ph)
	// The mesh's row of p stays without a second "joined"; a newcomer joins.
	if got := queued(h); len(got) != 2 || !h.owned("p") {
		t.Fatalf("LiveKit's rows: %#v passed, owned %v; want p's status and new's join", got, h.owned("p"))
	}
	h.fromMesh(store.UpdateConnectionStatus{PeerID: "p", Status: store.StatusClosed, At: at}, ph)
	h.fromMesh(store.RemovePeerConnection{PeerID: "p"}, ph)
	h.fromMesh(store.UpdateRemoteMedia{PeerID: "p", Audio: true}, ph)
	if got := queued(h); len(got) != 0 {
		t.Fatalf("the mesh's news about a peer LiveKit has passed: %#v", got)
	}
	h.fromMesh(store.UpdateConnectionStatus{PeerID: "old", Status: store.StatusFailed, At: at}, ph)
	h.fromMesh(store.ChatReceived{From: "p", Text: "hi", At: at}, ph)
	if got := len(queued(h)); got != 2 {
		t.Fatalf("a peer LiveKit does not have, and chat: %d passed, want 2", got)
	}
	h.fromSFU(store.RemovePeerConnection{PeerID: "p"}, ph)
	if got := queued(h); len(got) != 1 {
		t.Fatalf("LiveKit's removal of a peer that left: %#v", got)
	}
}

// TestHandoverStatsBeforeLiveKit: without LiveKit running, every
// call goes to the mesh (which refuses them before Run the way it does).
func TestHandoverStatsBeforeLiveKit(t *testing.T) {
	h := newIdleHandover(t)
	if _, err := h.CollectStats(context.Background(), "p"); err == nil {
		t.Fatal("stats of an unknown peer on the mesh: want the mesh's error")
	}
	if err := h.SetAudio(false); err != nil {
		t.Fatalf("SetAudio before Run: %v (the mesh records the wish)", err)
	}
}

// TestHandoverCarried: the mesh may close under a peer once LiveKit
// carries its audio and its video, not its audio alone (the picture would
// freeze until LiveKit's first key frame of it); a kind the peer said is
// off (in its media-state, not as LiveKit sees its publications), or video
// that has no tile, is not waited for.
func TestHandoverCarried(t *testing.T) {
	sink := newPacketLog()
	h := newHandover(Config{ServerURL: "ws://127.0.0.1:1/ws", Room: "r", Name: "me"}, handoverSinks{Audio: sink, Level: sink, Video: sink},
		func(context.Context) (*devices.Media, error) { return nil, errors.New("no media in this test") })
	t.Cleanup(func() { _ = h.Close() })
	ph := &phase{meshPeers: map[string]bool{}}
	opus := &rtp.Packet{Payload: []byte{0xfc}}
	key := &rtp.Packet{Payload: []byte{0x10, 0x00, 0x9d, 0x01, 0x2a}} // S=1, PID 0, a key frame
	for _, id := range []string{"p", "q", "r"} {
		sfuSide{h.audio}.Push(id, opus)
	}
	if h.carried("p", ph) {
		t.Error("carried on audio alone")
	}
	sfuSide{h.video}.Push("p", key)
	if !h.carried("p", ph) {
		t.Error("not carried with audio and video through LiveKit")
	}
	// LiveKit's view follows the peer's publications, which lag (a
	// browser publishes its microphone first): not taken as "camera off".
	h.fromSFU(store.UpdateRemoteMedia{PeerID: "q", Audio: true}, ph)
	if h.carried("q", ph) {
		t.Error("carried without video because LiveKit saw no video publication yet")
	}
	h.fromMesh(store.UpdateRemoteMedia{PeerID: "q", Audio: true}, ph)
	if !h.carried("q", ph) {
		t.Error("a peer with its camera off: waiting for its video")
	}
	if h.carried("r", ph) {
		t.Error("r carried without its video")
	}
	h.SetTiles(map[string]lkengine.TileSize{"p": {Width: 40, Height: 12}})
	if !h.carried("r", ph) {
		t.Error("a peer without a tile: waiting for video LiveKit does not send")
	}
}

// TestHandoverWaitsForRowsTheMeshNeverConnected: a joiner's mesh
// connection that the move caught half built may never come up, so "every
// connected peer is carried" holds at once; the mesh must not be left
// (which removes rows) before LiveKit has reported those peers.
func TestHandoverWaitsForRowsTheMeshNeverConnected(t *testing.T) {
	h := newHandover(Config{ServerURL: "ws://127.0.0.1:1/ws", Room: "r", Name: "me"}, handoverSinks{},
		func(context.Context) (*devices.Media, error) { return nil, errors.New("no media in this test") })
	t.Cleanup(func() { _ = h.Close() })
	now := time.Unix(1000, 0)
	h.now = func() time.Time { return now }
	ph := &phase{sfu: true, connectedAt: now, meshPeers: map[string]bool{"x": false}}
	for range 3 {
		h.check(ph)
		now = now.Add(meshLinger)
	}
	if ph.meshLeft || !ph.allAt.IsZero() {
		t.Fatalf("left the mesh (%v) or counted everyone carried (%v) before LiveKit reported x", ph.meshLeft, ph.allAt)
	}
	h.fromSFU(store.AddPeerConnection{PeerID: "x"}, ph)
	h.check(ph)
	if ph.allAt.IsZero() {
		t.Fatal("x is on LiveKit: the linger should have begun")
	}

	// A peer that never comes to LiveKit is not waited for past the
	// first deadline.
	start := now
	ph = &phase{sfu: true, connectedAt: now, meshPeers: map[string]bool{"y": false}}
	for !ph.meshLeft && now.Sub(start) < 2*meshDeadlineComing {
		now = now.Add(handoverTick)
		h.check(ph)
	}
	if took := now.Sub(start); took < meshDeadline || took > meshDeadline+handoverTick {
		t.Errorf("the mesh closed %v after LiveKit connected with y never there, want the deadline %v", took, meshDeadline)
	}
}

// TestHandoverWaitsForThePeerToReceiveUs: LiveKit carrying a peer's media
// to us is not enough to close our mesh connection to it, which still
// carries us to the peer until its LiveKit subscription of us has taken
// over: the peer is told (sfu-receiving) that we have its media, and the
// mesh closes a linger after the peer has said the same of ours — or at
// the deadline, for a peer that never says so (a later one while the peer
// is in the LiveKit room, its word presumably on its way).
func TestHandoverWaitsForThePeerToReceiveUs(t *testing.T) {
	for _, c := range []struct {
		peerSays, present bool
		deadline          time.Duration
	}{{true, false, 0}, {false, false, meshDeadline}, {false, true, meshDeadlineComing}} {
		peerSays := c.peerSays
		h := newHandover(Config{ServerURL: "ws://127.0.0.1:1/ws", Room: "r", Name: "me"}, handoverSinks{},
			func(context.Context) (*devices.Media, error) { return nil, errors.New("no media in this test") })
		t.Cleanup(func() { _ = h.Close() })
		start := time.Unix(1000, 0)
		now := start
		h.now = func() time.Time { return now }
		// Nobody receives media here, so LiveKit carries everything of p.
		ph := &phase{sfu: true, connectedAt: now, meshPeers: map[string]bool{"p": true}}
		if c.present {
			h.fromSFU(store.AddPeerConnection{PeerID: "p"}, ph)
		}
		h.check(ph)
		if !ph.told["p"] {
			t.Fatal("p was not told that we get its media through LiveKit")
		}
		for range 3 {
			now = now.Add(meshLinger)
			h.check(ph)
		}
		if ph.meshLeft {
			t.Fatal("left the mesh before p said it gets our media through LiveKit")
		}
		if peerSays {
			h.heardReceiving("p")
		}
		for !ph.meshLeft && now.Sub(start) < 2*meshDeadlineComing {
			now = now.Add(handoverTick)
			h.check(ph)
		}
		took := now.Sub(start)
		switch {
		case peerSays && (took < 3*meshLinger || took > 4*meshLinger+handoverTick):
			t.Errorf("with p's word the mesh closed %v after LiveKit connected, want a linger after the word (%v)", took, 3*meshLinger)
		case !peerSays && (took < c.deadline || took > c.deadline+handoverTick):
			t.Errorf("without p's word (p in the LiveKit room: %v) the mesh closed %v after LiveKit connected, want the deadline %v", c.present, took, c.deadline)
		}
	}
}
