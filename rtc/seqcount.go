package rtc

import "sync/atomic"

// seqCounter counts, for one RTP stream, the packets the network should
// have delivered and the ones it did not, judged on first arrival: a
// sequence-number gap counts as lost even if a retransmission fills it
// later. That is the loss of the link itself, which is what a user
// diagnosing a call needs; counting after retransmission hides it.
type seqCounter struct {
	started  bool
	highest  uint16
	expected *atomic.Uint64 // shared totals for the peer
	lost     *atomic.Uint64
}

// observe records one arriving packet. It runs on the track's reader only.
func (c *seqCounter) observe(seq uint16) {
	if !c.started {
		c.started = true
		c.highest = seq
		c.expected.Add(1)
		return
	}
	diff := int16(seq - c.highest)
	if diff <= 0 {
		return // duplicate, reordered or retransmitted: already counted
	}
	c.highest = seq
	c.expected.Add(uint64(diff))
	c.lost.Add(uint64(diff - 1))
}
