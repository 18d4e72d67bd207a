package devices

import "testing"

func popAll(j *jitterBuffer, n int) []popKind {
	var out []popKind
	for range n {
		k, _ := j.pop()
		out = append(out, k)
	}
	return out
}

func TestJitterBufferBuffersThenPlaysInOrder(t *testing.T) {
	j := newJitterBuffer()
	j.insert(65535, []byte{1})
	if k, _ := j.pop(); k != popNothing {
		t.Fatalf("played before %d packets were buffered", jitterTarget)
	}
	j.insert(1, []byte{3}) // out of order, across the wrap
	j.insert(0, []byte{2})
	for i, want := range []byte{1, 2, 3} {
		k, data := j.pop()
		if k != popPacket || data[0] != want {
			t.Fatalf("pop %d = %v %v, want packet %d", i, k, data, want)
		}
	}
}

func TestJitterBufferRecoversLossWithFECThenConceals(t *testing.T) {
	j := newJitterBuffer()
	for _, s := range []uint16{10, 11, 12, 14} {
		j.insert(s, []byte{byte(s)})
	}
	got := popAll(&j, 4)
	want := []popKind{popPacket, popPacket, popPacket, popFEC}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pops %v, want %v", got, want)
		}
	}
	if k, data := j.pop(); k != popPacket || data[0] != 14 {
		t.Fatalf("after FEC: %v %v, want packet 14", k, data)
	}
	// The sender went quiet: a few concealed frames, then silence.
	got = popAll(&j, jitterMisses+2)
	for i, k := range got {
		want := popPLC
		if i >= jitterMisses {
			want = popNothing
		}
		if k != want {
			t.Fatalf("quiet sender pops %v", got)
		}
	}
	j.insert(13, nil) // late, even while rebuffering
	if j.late != 1 || len(j.slots) != 0 {
		t.Fatalf("late packet kept (late=%d, buffered=%d)", j.late, len(j.slots))
	}
	// Unmuted: the sender goes on right after packet 14.
	for s := uint16(15); s < 15+jitterTarget; s++ {
		j.insert(s, []byte{byte(s)})
	}
	if k, data := j.pop(); k != popPacket || data[0] != 15 {
		t.Fatalf("after the pause: %v %v, want packet 15", k, data)
	}
}

func TestJitterBufferRestartsOnSequenceJump(t *testing.T) {
	j := newJitterBuffer()
	for s := uint16(100); s < 104; s++ {
		j.insert(s, []byte{1})
	}
	popAll(&j, 2)
	for s := uint16(50000); s < 50003; s++ { // a new stream
		j.insert(s, []byte{2})
	}
	if k, data := j.pop(); k != popPacket || data[0] != 2 {
		t.Fatalf("after restart: %v %v, want the new stream", k, data)
	}
	if j.late != 0 {
		t.Fatalf("new stream counted as late: %d", j.late)
	}
}

func TestJitterBufferSkipsAheadWhenFarBehind(t *testing.T) {
	j := newJitterBuffer()
	for s := uint16(0); s < jitterMax+5; s++ {
		j.insert(s, []byte{byte(s)})
	}
	j.pop()
	if len(j.slots) >= jitterTarget {
		t.Fatalf("%d packets still buffered, want below %d", len(j.slots), jitterTarget)
	}
}

// TestJitterBufferWaitsForALatePacket: when the buffer runs dry (this
// process starved, a delay spike) the gap is concealed and the packet that
// was due still plays when it comes, later, instead of being dropped.
func TestJitterBufferWaitsForALatePacket(t *testing.T) {
	j := newJitterBuffer()
	for s := uint16(100); s < 103; s++ {
		j.insert(s, []byte{byte(s)})
	}
	popAll(&j, 3) // 100, 101, 102
	if got := popAll(&j, 2); got[0] != popPLC || got[1] != popPLC {
		t.Fatalf("dry buffer pops %v, want concealment", got)
	}
	j.insert(103, []byte{103})
	if k, data := j.pop(); k != popPacket || data[0] != 103 {
		t.Fatalf("the late packet: %v %v, want it played", k, data)
	}
	if j.late != 0 {
		t.Errorf("%d packets counted late", j.late)
	}
}

// TestJitterBufferTargetFollowsLateness: a packet arriving after its turn
// (reordered past a concealed gap) raises the target, up to
// jitterTargetMax; a calm stream lowers it again and drops a frame of
// delay when the buffer holds more than it needs.
func TestJitterBufferTargetFollowsLateness(t *testing.T) {
	j := newJitterBuffer()
	for _, s := range []uint16{10, 11, 12, 14} {
		j.insert(s, []byte{byte(s)})
	}
	popAll(&j, 4) // 10, 11, 12, then 13 from 14's FEC
	j.insert(13, nil)
	if j.late != 1 || j.target != jitterTarget+1 {
		t.Fatalf("late %d, target %d; want 1, %d", j.late, j.target, jitterTarget+1)
	}
	for range 2 * jitterTargetMax {
		j.insert(13, nil)
	}
	if j.target != jitterTargetMax {
		t.Fatalf("target %d, want the cap %d", j.target, jitterTargetMax)
	}
	seq := uint16(15)
	for range jitterTargetMax + 4 {
		j.insert(seq, []byte{1})
		seq++
	}
	before := len(j.slots)
	for range jitterCalm {
		j.insert(seq, []byte{1})
		seq++
		j.pop()
	}
	if j.target != jitterTargetMax-1 {
		t.Errorf("after a calm stretch the target is %d, want %d", j.target, jitterTargetMax-1)
	}
	// Held above target+jitterSlack (counting the frame about to play), the
	// buffer dropped a frame a second down to that; the calm catch-up then
	// took one more.
	if want := jitterTargetMax + jitterSlack - 2; len(j.slots) != want || before <= want {
		t.Errorf("buffer %d after the calm stretch (from %d), want %d (delay dropped down to the target's slack, then one frame)", len(j.slots), before, want)
	}
}

// TestJitterBufferCatchesUpAfterAStall: packets left behind by a stall of
// the player (a burst arrived while it did not pull) are dropped one a
// second down to the target's slack, not one every 10 s.
func TestJitterBufferCatchesUpAfterAStall(t *testing.T) {
	j := newJitterBuffer()
	seq := uint16(0)
	for range jitterTarget + 6 { // the target and a 120 ms backlog
		j.insert(seq, []byte{1})
		seq++
	}
	for i := range 5 * jitterOver {
		j.insert(seq, []byte{1})
		seq++
		if k, _ := j.pop(); k != popPacket {
			t.Fatalf("frame %d: %v, want a packet", i, k)
		}
	}
	// What is left after a frame played: target+jitterSlack before it.
	if got, want := len(j.slots), jitterTarget+jitterSlack-1; got != want {
		t.Fatalf("after %d frames the buffer holds %d, want %d", 5*jitterOver, got, want)
	}
}
