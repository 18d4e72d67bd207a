package lkengine

import (
	"fmt"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// With nobody reading, the queue stays within its bound however many
// actions arrive, and keeps every join and the last of each switch.
func TestQueueBoundedWithoutReader(t *testing.T) {
	q := newActionQueue()
	q.push(store.AddPeerConnection{PeerID: "a"})
	for i := 0; i < 10*maxQueued; i++ {
		q.push(store.ToggleAudio{Enabled: i%2 == 0})
		q.push(store.UpdateConnectionStatus{PeerID: "a", Status: store.StatusConnected})
	}
	q.push(store.ToggleAudio{Enabled: false})
	items := q.take()
	if len(items) > maxQueued {
		t.Fatalf("%d queued, bound is %d", len(items), maxQueued)
	}
	if _, ok := items[0].(store.AddPeerConnection); !ok {
		t.Errorf("first action %T, want the join kept", items[0])
	}
	if last, ok := items[len(items)-1].(store.ToggleAudio); !ok || last.Enabled {
		t.Errorf("last action %#v, want the last switch (off)", items[len(items)-1])
	}
}

// compact keeps unkeyed actions and the last of every key, in order.
func TestCompactKeepsOrder(t *testing.T) {
	in := []store.Action{
		store.AddPeerConnection{PeerID: "a"},
		store.UpdateRemoteMedia{PeerID: "a", Audio: true},
		store.AddPeerConnection{PeerID: "b"},
		store.UpdateRemoteMedia{PeerID: "a", Video: true},
		store.UpdateRemoteMedia{PeerID: "b", Audio: true},
		store.RemovePeerConnection{PeerID: "b"},
	}
	got := compact(in)
	want := []store.Action{in[0], in[2], in[3], in[4], in[5]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("compact:\n got %v\nwant %v", got, want)
	}
}

// The forwarder delivers in order to a reader, and with no reader it
// closes the channel within the grace period after stop.
func TestForwardDeliversThenGivesUp(t *testing.T) {
	q := newActionQueue()
	out := make(chan store.Action)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); q.forward(out, stop) }()
	for i := 0; i < 3; i++ {
		q.push(store.ToggleVideo{Enabled: i == 1})
	}
	for i := 0; i < 3; i++ {
		a := <-out
		if a.(store.ToggleVideo).Enabled != (i == 1) {
			t.Fatalf("action %d out of order: %#v", i, a)
		}
	}
	q.push(store.ToggleVideo{}) // never read
	q.close()
	close(stop)
	select {
	case <-done:
	case <-time.After(10 * flushGrace):
		t.Fatal("forwarder still blocked on a missing reader")
	}
	for range out { // closed: the loop ends
	}
}
