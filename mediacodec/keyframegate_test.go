package mediacodec

import (
	"testing"
	"time"
)

func TestKeyFrameGateMergesRequests(t *testing.T) {
	g := KeyFrameGate{MinGap: 300 * time.Millisecond}
	t0 := time.Unix(1000, 0)
	if g.Due(t0) {
		t.Fatal("due without a request")
	}
	g.Request()
	if !g.Due(t0) {
		t.Fatal("first request not due")
	}
	g.Sent(t0)
	g.Request()
	g.Request()
	if g.Due(t0.Add(100 * time.Millisecond)) {
		t.Fatal("due inside the gap")
	}
	if !g.Due(t0.Add(300 * time.Millisecond)) {
		t.Fatal("merged request not due at the end of the gap")
	}
	g.Sent(t0.Add(300 * time.Millisecond))
	if g.Due(t0.Add(time.Second)) {
		t.Fatal("due again without a new request")
	}
}

func TestKeyFrameGateAllowDropsInsideTheGap(t *testing.T) {
	g := KeyFrameGate{MinGap: 250 * time.Millisecond}
	t0 := time.Unix(1000, 0)
	var sent []time.Duration
	// A decoder waiting for a key frame asks on every frame, at 30 fps.
	for i := range 30 {
		at := time.Duration(i) * time.Second / 30
		if g.Allow(t0.Add(at)) {
			sent = append(sent, at)
		}
	}
	// 0, then the first frame at least 250 ms after the last request sent.
	want := []time.Duration{0, 8 * time.Second / 30, 16 * time.Second / 30, 24 * time.Second / 30}
	if len(sent) != len(want) {
		t.Fatalf("sent at %v, want %v", sent, want)
	}
	for i := range want {
		if sent[i] != want[i] {
			t.Fatalf("sent at %v, want %v", sent, want)
		}
	}
}
