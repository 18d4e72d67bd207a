package lkengine

import (
	"testing"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/rtcterm/rtcterm/store"
)

// A signaling blip: the SDK resumes, the header goes reconnecting and
// back to connected, and the call goes on (media keeps arriving).
func TestResumeAfterSignalBlip(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	alice := joinEngine(t, n.URL, "blip", "alice")
	joinEngine(t, n.URL, "blip", "bob")
	waitFor(t, joinTimeout, "bob's media at alice", func() bool { return alice.video.count("bob") > 30 })

	room := alice.e.roomNow()
	if room == nil {
		t.Fatal("alice is not in a room")
	}
	room.Simulate(lksdk.SimulateSignalReconnect)
	waitFor(t, joinTimeout, "alice reconnecting", func() bool {
		_, acts := alice.w.snapshot()
		for _, a := range acts {
			if u, ok := a.(store.UpdateSignaling); ok && u.Signaling.Status == store.SignalingReconnecting {
				return true
			}
		}
		return false
	})
	waitFor(t, joinTimeout, "alice connected again", func() bool {
		s, _ := alice.w.snapshot()
		return s.Signaling.Status == store.SignalingConnected
	})
	before := alice.video.count("bob")
	waitFor(t, joinTimeout, "bob's media after the resume", func() bool { return alice.video.count("bob") > before+30 })
	waitFor(t, joinTimeout, "bob connected at alice after the resume", func() bool { return alice.w.peerIs("bob", store.StatusConnected) })
}

// LiveKit's connection quality for a participant reaches the stats.
func TestConnectionQuality(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	alice := joinEngine(t, n.URL, "quality", "alice")
	joinEngine(t, n.URL, "quality", "bob")
	waitFor(t, joinTimeout, "bob connected", func() bool { return alice.w.peerIs("bob", store.StatusConnected) })
	var q string
	waitFor(t, joinTimeout, "a connection quality for bob", func() bool {
		st, err := alice.e.CollectStats(t.Context(), "bob")
		q = st.Quality
		return err == nil && q != ""
	})
	if q != "excellent" && q != "good" {
		t.Errorf("quality %q on an unimpaired local link, want excellent or good", q)
	}
}
