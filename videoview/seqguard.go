package videoview

import (
	"time"

	"github.com/pion/rtp"
)

// Sequence jumps. Pion's samplebuilder purges a jump packet by packet and
// rescans its window for each one, so its cost grows with the square of
// the jump (a peer sending +32 000 jumps at 50 packets/s cost a core).
// A packet further than jumpWindow from the newest one, either way, is
// therefore never pushed into the builder: it is held, and only when the
// next packet follows it (a sender that restarted its numbering, or a long
// outage) does a fresh builder start from the two. Fresh builders (1 MiB
// each) are made at most once per resetGap; jumps in between are dropped.
const (
	jumpWindow = maxLatePackets
	resetGap   = 200 * time.Millisecond
)

// seqAction is what becomes of a packet.
type seqAction int

const (
	seqPush    seqAction = iota // push the packet into the current builder
	seqHold                     // a jump: held back (replacing any held one), not pushed
	seqRestart                  // it follows the held packet: a fresh builder gets both
)

// seqGuard watches one stream's sequence numbers. It is owned by the
// worker goroutine.
type seqGuard struct {
	started   bool
	high      uint16      // newest sequence number pushed into the builder
	held      *rtp.Packet // the last jump, in case the stream goes on from it
	lastReset time.Time
}

// seqDiff is a-b in serial-number arithmetic (RFC 1982): positive when a
// is after b, modulo 2^16.
func seqDiff(a, b uint16) int { return int(int16(a - b)) }

// seqNear reports whether a and b are within the jump window of each other.
func seqNear(a, b uint16) bool {
	d := seqDiff(a, b)
	return d >= -jumpWindow && d <= jumpWindow
}

// admit decides what becomes of pkt at now. For seqRestart it also
// returns the held packet, to be pushed into the fresh builder before pkt.
func (g *seqGuard) admit(pkt *rtp.Packet, now time.Time) (seqAction, *rtp.Packet) {
	seq := pkt.SequenceNumber
	if !g.started {
		g.started, g.high, g.held = true, seq, nil
		return seqPush, nil
	}
	if seqNear(seq, g.high) {
		if seqDiff(seq, g.high) > 0 {
			g.high = seq
		}
		g.held = nil // a stray packet far away: the stream went on here
		return seqPush, nil
	}
	held := g.held
	if held != nil && held.SequenceNumber != seq && seqNear(seq, held.SequenceNumber) &&
		(g.lastReset.IsZero() || now.Sub(g.lastReset) >= resetGap) {
		g.held, g.lastReset, g.high = nil, now, seq
		if seqDiff(held.SequenceNumber, seq) > 0 {
			g.high = held.SequenceNumber
		}
		return seqRestart, held
	}
	g.held = pkt
	return seqHold, nil
}
