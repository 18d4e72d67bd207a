package tui

import (
	"testing"

	"github.com/rtcterm/rtcterm/store"
)

func TestThresholdFirstGrade(t *testing.T) {
	tests := []struct {
		v    float64
		want grade
	}{{0, good}, {149, good}, {150, warn}, {400, warn}, {401, bad}}
	for _, tt := range tests {
		if got := rttThreshold.next(ungraded, tt.v); got != tt.want {
			t.Errorf("RTT %v: %v, want %v", tt.v, got, tt.want)
		}
	}
	if lossThreshold.next(ungraded, 2.9) != good || lossThreshold.next(ungraded, 10.1) != bad {
		t.Error("loss thresholds")
	}
}

// TestHysteresis: a value hovering around a threshold keeps its colour; it
// changes only when the value crosses the threshold by the margin.
func TestHysteresis(t *testing.T) {
	steps := []struct {
		v    float64
		want grade
	}{
		{140, good},
		{155, good}, // over 150, within the margin
		{149, good},
		{165, warn}, // 150 × 1.1
		{145, warn}, // under 150, within the margin
		{152, warn},
		{134, good}, // under 150 × 0.9
		{430, warn}, // over 400, within the margin; a jump from good lands on warn
		{441, bad},  // over 400 × 1.1
		{395, bad},  // within the margin
		{359, warn}, // under 400 × 0.9
		{900, bad},
		{100, good}, // a collapse goes straight to good
	}
	g := ungraded
	for i, s := range steps {
		g = rttThreshold.next(g, s.v)
		if g != s.want {
			t.Fatalf("step %d (RTT %v): %v, want %v", i, s.v, g, s.want)
		}
	}
}

// TestGradesFollowStats: grades live in the model, per peer and metric,
// move with each sample, and leave with the peer; an earlier model keeps
// its own grades.
func TestGradesFollowStats(t *testing.T) {
	h := newHarness(t, callState(1))
	sample := func(rtt, loss float64) {
		h.update(store.UpdateConnectionStats{PeerID: "p00", At: t0, Stats: store.Stats{RTTMillis: rtt, LossPct: loss}})
	}
	sample(100, 2)
	if g := h.m.grades["p00"]; g.rtt != good || g.loss != good {
		t.Fatalf("grades %+v", g)
	}
	earlier := h.m
	sample(100, 3.2) // loss over 3 but within the margin
	sample(100, 12)
	if g := h.m.grades["p00"]; g.loss != bad || g.rtt != good {
		t.Fatalf("grades %+v", g)
	}
	if earlier.grades["p00"].loss != good {
		t.Fatal("an earlier model's grades changed")
	}
	h.update(store.RemovePeerConnection{PeerID: "p00"})
	if _, ok := h.m.grades["p00"]; ok {
		t.Fatal("grades kept for a peer that left")
	}
}
