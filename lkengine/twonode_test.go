package lkengine

import (
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// Ports of the two nodes that share rooms through Redis (the single-node
// tests' server has no Redis, so these are nodes of their own).
const (
	nodeAHTTP, nodeAUDP = 17900, 17902
	nodeBHTTP, nodeBUDP = 17910, 17912
)

// Two LiveKit nodes sharing one Redis: rtcterm on node A and another
// rtcterm on node B meet in one room, media flows both ways across the
// nodes, and mute crosses too.
func TestTwoNodesOneRedis(t *testing.T) {
	a := startNode(t, nodeAHTTP, nodeAUDP, true)
	b := startNode(t, nodeBHTTP, nodeBUDP, true)
	alice := joinEngine(t, a.URL, "spread", "alice")
	waitFor(t, joinTimeout, "alice in the room on node A", func() bool {
		s, _ := alice.w.snapshot()
		return s.Signaling.Status == store.SignalingConnected
	})
	bob := joinEngine(t, b.URL, "spread", "bob")
	for _, c := range []struct {
		p    *participant
		peer string
	}{{alice, "bob"}, {bob, "alice"}} {
		waitFor(t, joinTimeout, c.peer+" connected across nodes", func() bool { return c.p.w.peerIs(c.peer, store.StatusConnected) })
		waitFor(t, joinTimeout, c.peer+"'s audio and video across nodes", func() bool {
			return c.p.audio.count(c.peer) > 50 && c.p.video.count(c.peer) > 60
		})
	}
	// Which node carries the media: LiveKit hosts a room on one node and
	// the other relays the signaling, so both routes usually end at A's port.
	for _, c := range []struct {
		p    *participant
		peer string
	}{{alice, "bob"}, {bob, "alice"}} {
		if _, err := c.p.e.CollectStats(t.Context(), c.peer); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // one stats interval, for the rates
		st, err := c.p.e.CollectStats(t.Context(), c.peer)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("route to the SFU, media of %s: %s -> %s, %.1f kbps in", c.peer, st.Route.LocalAddr, st.Route.RemoteAddr, st.RecvKbps)
	}
	if err := bob.e.SetVideo(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, joinTimeout, "bob's camera off at alice", func() bool {
		c, _ := alice.w.peer("bob")
		return c.Media == store.MediaState{Known: true, Audio: true}
	})
}
