package tui

import (
	"slices"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// TestPollOnePerPeer: a tick starts one collection per connected peer; a
// second tick while they run starts none; results free the peer again.
func TestPollOnePerPeer(t *testing.T) {
	h := newHarness(t, callState(5)) // p00..p02 connected, p03 failed, p04 connecting
	h.eng.stats["p00"] = store.Stats{RTTMillis: 500, LossPct: 0}
	cmd := h.update(statsTick{})
	h.wantCalls(t)
	for id, c := range h.m.State().Connections {
		want := c.Status == store.StatusConnected
		if c.StatsInFlight != want {
			t.Errorf("%s (%s): in flight %v", id, c.Status, c.StatsInFlight)
		}
	}
	if again := execute(h.update(statsTick{})); len(again) != 0 {
		t.Fatalf("second tick while polls run produced %d results", len(again))
	}
	h.wantCalls(t) // the second tick's command is only the next tick
	msgs := execute(cmd)
	got := h.eng.Calls()
	slices.Sort(got)
	if want := []string{`CollectStats("p00")`, `CollectStats("p01")`, `CollectStats("p02")`}; !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	h.eng.calls = nil
	for _, msg := range msgs {
		f, ok := msg.(store.CollectConnectionStatsFulfilled)
		if !ok || !f.At.Equal(t0) || f.Epoch != h.m.State().Connections[f.PeerID].Epoch {
			t.Fatalf("result %#v", msg)
		}
		h.update(msg)
	}
	c := h.m.State().Connections["p00"]
	if c.StatsInFlight || c.Stats.RTTMillis != 500 || len(c.History) != 46 {
		t.Fatalf("p00 after result: %+v", c)
	}
	if h.m.grades["p00"].rtt != bad {
		t.Fatalf("grade %v", h.m.grades["p00"].rtt)
	}
	// Free again: the next tick polls all three.
	execute(h.update(statsTick{}))
	if n := len(h.eng.Calls()); n != 3 {
		t.Fatalf("%d calls on the next tick", n)
	}
}

// TestPollStaleDropped: a result for a peer that reconnected (new epoch)
// or left is dropped, and the new incarnation can be polled at once.
func TestPollStaleDropped(t *testing.T) {
	h := newHarness(t, callState(2))
	h.eng.stats["p00"] = store.Stats{RTTMillis: 999}
	cmd := h.update(statsTick{})
	results := execute(cmd)
	before := h.m.State().Connections["p00"]

	// p00 drops and reconnects before its result arrives; p01 leaves.
	at := t0.Add(time.Second)
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusDisconnected, At: at})
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusConnecting, At: at})
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusConnected, At: at})
	h.update(store.RemovePeerConnection{PeerID: "p01"})
	for _, msg := range results {
		h.update(msg)
	}
	after := h.m.State().Connections["p00"]
	if after.Stats.RTTMillis == 999 || len(after.History) != len(before.History) {
		t.Fatalf("stale result applied: %+v", after.Stats)
	}
	if after.StatsInFlight {
		t.Fatal("new incarnation marked busy by the old poll")
	}
	var stale int
	for _, e := range h.m.Events() {
		if e.Action == "CollectConnectionStatsFulfilled" && e.Error != "" {
			stale++
		}
	}
	if stale != 2 {
		t.Fatalf("%d dropped results logged, want 2: %+v", stale, h.m.Events())
	}
	// The new incarnation is polled on the next tick.
	h.eng.calls = nil
	execute(h.update(statsTick{}))
	h.wantCalls(t, `CollectStats("p00")`)
}

// TestPollRejected: a failed collection frees the peer and records the
// error on it.
func TestPollRejected(t *testing.T) {
	h := newHarness(t, callState(1))
	h.eng.fail["CollectStats"] = errBoom
	h.settle(h.update(statsTick{}))
	c := h.m.State().Connections["p00"]
	if c.StatsInFlight || c.Error != "boom" {
		t.Fatalf("after rejection: %+v", c)
	}
}

// TestPollKeepsTicking: every tick returns the next tick.
func TestPollKeepsTicking(t *testing.T) {
	h := newHarness(t, callState(0))
	if h.m.Init() == nil {
		t.Fatal("Init starts no tick")
	}
	cmd := h.update(statsTick{})
	if cmd == nil {
		t.Fatal("tick without peers returned no next tick")
	}
	if msg := cmd(); msg != (statsTick{}) {
		t.Fatalf("next tick returned %#v", msg)
	}
}
