package devices

// Jitter buffer sizes, in packets (20 ms each with the usual Opus framing).
const (
	jitterTarget    = 3   // packets buffered before playout (re)starts at first: 60 ms
	jitterTargetMax = 10  // the most the target grows to when packets come late: 200 ms
	jitterMax       = 25  // more than this (500 ms) and playout skips ahead
	jitterMisses    = 3   // concealed packets in a row on an empty buffer before rebuffering
	jitterCalm      = 500 // frames (10 s) without a late packet before the target shrinks by one
	jitterSlack     = 2   // packets above the target the buffer may hold for long
	jitterOver      = 50  // frames (1 s) above target+jitterSlack before one frame is dropped
)

// popKind says what the jitter buffer hands the decoder next.
type popKind int

const (
	popNothing popKind = iota // not playing: silence, no decoder call
	popPacket                 // decode data
	popFEC                    // data is the NEXT packet: recover the lost one from its in-band FEC
	popPLC                    // lost: conceal
)

// jitterBuffer reorders one peer's packets by sequence number and decides,
// once per playout frame, whether to decode a packet, recover a lost one
// from the next packet's FEC, conceal it, or play nothing. It is plain data;
// the Player locks around it.
type jitterBuffer struct {
	slots   map[uint16][]byte
	playing bool
	started bool   // next is meaningful: something was played since the last reset
	next    uint16 // sequence number played next
	misses  int    // consecutive frames concealed on an empty buffer
	late    int    // packets dropped for arriving after their turn

	// The target follows the network and the machine: a packet that came
	// after its turn (reordered past a gap that was already concealed)
	// adds one packet of delay, up to jitterTargetMax; jitterCalm frames
	// without one take a packet away. The buffer holds the target when
	// playout (re)starts, and drifts back down to it when calm.
	target int
	calm   int // frames played since the last late packet
	over   int // frames played in a row with more than target+jitterSlack buffered
}

func newJitterBuffer() jitterBuffer {
	return jitterBuffer{slots: map[uint16][]byte{}, target: jitterTarget}
}

// seqBefore reports whether a comes before b, with wrap-around.
func seqBefore(a, b uint16) bool { return int16(a-b) < 0 }

// jitterRestart is a sequence jump (either way) that means the sender
// restarted its stream rather than that packets were late or lost.
const jitterRestart = 1000

// reset forgets everything buffered; playout restarts after jitterTarget
// packets.
func (j *jitterBuffer) reset() {
	clear(j.slots)
	j.playing, j.started, j.misses = false, false, 0
}

// insert stores a packet's payload.
func (j *jitterBuffer) insert(seq uint16, payload []byte) {
	if d := int16(seq - j.next); j.started && (d > jitterRestart || d < -jitterRestart) {
		j.reset()
	}
	if j.started && seqBefore(seq, j.next) {
		j.late++
		if j.playing { // a straggler from before a pause says nothing of the network
			j.calm = 0
			j.target = min(j.target+1, jitterTargetMax)
		}
		return
	}
	if len(j.slots) >= 4*jitterMax {
		// A burst far beyond anything playable: start over.
		j.reset()
	}
	j.slots[seq] = payload
}

// oldest is the lowest buffered sequence number; the buffer is not empty.
func (j *jitterBuffer) oldest() uint16 {
	first := true
	var min uint16
	for s := range j.slots {
		if first || seqBefore(s, min) {
			min, first = s, false
		}
	}
	return min
}

// pop decides the next playout frame.
func (j *jitterBuffer) pop() (popKind, []byte) {
	if !j.playing {
		if len(j.slots) < j.target {
			return popNothing, nil
		}
		j.playing, j.started, j.next, j.misses = true, true, j.oldest(), 0
	}
	if j.calm++; j.calm >= jitterCalm {
		j.calm = 0
		j.target = max(j.target-1, jitterTarget)
		if len(j.slots) > j.target+1 {
			// Calm and well above the target (a stall left delay behind):
			// catch up by one frame.
			delete(j.slots, j.oldest())
			j.next = j.oldest()
		}
	}
	// A stall here (this process starved of CPU) leaves packets behind
	// that the calm catch-up would take 10 s each to play out: over a
	// second above the target's slack, drop one frame, so the delay comes
	// back within seconds (measured through PulseAudio on a loaded
	// machine: 120 ms held with a 60 ms target).
	if len(j.slots) > j.target+jitterSlack {
		if j.over++; j.over >= jitterOver {
			j.over = 0
			delete(j.slots, j.oldest())
			j.next = j.oldest()
		}
	} else {
		j.over = 0
	}
	if len(j.slots) > jitterMax {
		// Too far behind (clock drift, a burst): drop down to the target.
		for len(j.slots) > j.target {
			delete(j.slots, j.oldest())
		}
		j.next = j.oldest()
	}
	if data, ok := j.slots[j.next]; ok {
		delete(j.slots, j.next)
		j.next++
		j.misses = 0
		return popPacket, data
	}
	if len(j.slots) == 0 {
		// Nothing to play: conceal, but keep waiting for the packet that is
		// due, so one that is merely late (a delay spike, this process
		// starved of CPU) still plays, just later — the delay grows instead
		// of the audio breaking up.
		j.misses++
		if j.misses > jitterMisses {
			// The sender went quiet (muted, left): stop concealing.
			j.playing = false
			return popNothing, nil
		}
		return popPLC, nil
	}
	j.next++
	if data, ok := j.slots[j.next]; ok {
		return popFEC, data
	}
	return popPLC, nil
}
