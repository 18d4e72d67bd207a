// Package netsim simulates impaired network links under Pion.
//
// A [Net] is a [transport.Net] that wraps the host's real network stack and
// delays and drops the UDP datagrams of every socket opened through it. Give it
// to Pion with webrtc.SettingEngine.SetNet and the peer connection's ICE, DTLS,
// SRTP and SCTP traffic crosses a link with real, measurable round-trip time and
// loss. Only one side of a call needs it: the delay is applied both to
// datagrams this side sends and to datagrams it receives, so the round-trip
// time to a peer on an unimpaired stack grows by about 2×Delay.
//
// A Link with RateKbps set also puts a bandwidth bottleneck in each
// direction: every socket of the Net shares it, as every flow of a host
// shares its access link, so several peer connections compete for the rate.
//
// TCP sockets pass through unchanged.
package netsim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5"
)

// ErrInvalidLink is returned by [NewNet] for a Link with a negative duration,
// rate or queue depth, or a loss percentage outside [0, 100].
var ErrInvalidLink = errors.New("netsim: invalid link")

// Link describes the impairment one side of a call sits behind.
type Link struct {
	// Delay is the one-way delay added to every datagram, in each direction
	// (sent and received), so the round-trip time grows by about 2×Delay.
	Delay time.Duration
	// Jitter is an optional uniform ±Jitter added to each datagram's delay.
	// Datagrams stay in order per socket: a datagram never overtakes the one
	// before it, so jitter shows up as bunching rather than reordering.
	Jitter time.Duration
	// LossPct is the percentage of datagrams dropped on send, so the remote
	// peer's inbound loss is about LossPct. The rate is exact over every
	// block of 100 datagrams (positions within a block are random), so
	// short measurements already see it.
	LossPct float64
	// InLossPct is the percentage of datagrams dropped on receive.
	InLossPct float64
	// Seed seeds the random loss and jitter: the same Link gives the same drop
	// pattern for the same sequence of datagrams.
	Seed int64
	// RateKbps caps each direction at this many kilobits (1000 bits) per
	// second; 0 leaves the link unlimited. Every socket of the Net shares
	// the cap of a direction. A datagram counts its UDP payload plus 28
	// bytes of IPv4 and UDP headers. Datagrams wait their turn in FIFO
	// order, are serialized at the rate, and then take Delay (and Jitter)
	// to arrive; LossPct and InLossPct apply after the bottleneck, so a lost
	// datagram has used its share of the rate, as on a real path.
	RateKbps int
	// QueueMs is the depth of the drop-tail queue in front of the rate cap,
	// as the time the queue takes to drain at RateKbps: a datagram that
	// would spend longer than QueueMs queued and serialized is dropped (an
	// idle link still takes any one datagram). 0 with RateKbps set means
	// 200 ms, a typical router buffer. Ignored when RateKbps is 0.
	QueueMs int
	// SharedRate makes both directions share one rate cap and queue, as
	// on a half-duplex link, a tc qdisc on loopback, or one queue of a
	// home router both parties of a call sit behind: what one side sends
	// takes rate from what it receives. Both directions' counters then
	// report that one queue's QueueDropped, QueueDelay and MaxQueueDelay.
	// Ignored when RateKbps is 0.
	SharedRate bool
}

func (l Link) validate() error {
	switch {
	case l.Delay < 0:
		return fmt.Errorf("%w: negative delay %v", ErrInvalidLink, l.Delay)
	case l.Jitter < 0:
		return fmt.Errorf("%w: negative jitter %v", ErrInvalidLink, l.Jitter)
	case !(l.LossPct >= 0 && l.LossPct <= 100):
		return fmt.Errorf("%w: loss %v%% outside [0, 100]", ErrInvalidLink, l.LossPct)
	case !(l.InLossPct >= 0 && l.InLossPct <= 100):
		return fmt.Errorf("%w: inbound loss %v%% outside [0, 100]", ErrInvalidLink, l.InLossPct)
	case l.RateKbps < 0:
		return fmt.Errorf("%w: negative rate %d kbps", ErrInvalidLink, l.RateKbps)
	case l.QueueMs < 0:
		return fmt.Errorf("%w: negative queue depth %d ms", ErrInvalidLink, l.QueueMs)
	}
	return nil
}

// DirectionCounters counts the datagrams that crossed the link in one direction.
type DirectionCounters struct {
	// Offered is the number of datagrams that entered the link: written by the
	// application (outbound) or read from the socket (inbound).
	Offered uint64
	// Dropped is the number of datagrams the link discarded: simulated loss, a
	// full queue, a socket error, or still in flight when the socket closed.
	Dropped uint64
	// Delivered is the number of datagrams that left the link: written to the
	// socket (outbound) or returned to a reader (inbound).
	Delivered uint64

	// OfferedBytes and DeliveredBytes are the UDP payload bytes of the
	// Offered and Delivered datagrams. The bytes the rate cap counts are
	// OfferedBytes + 28×Offered (the headers), and likewise for delivered.
	OfferedBytes, DeliveredBytes uint64
	// QueueDropped is how many of the Dropped datagrams found the rate
	// cap's queue full (tail drop); always 0 without a rate cap.
	QueueDropped uint64
	// QueueDelay is how long the bottleneck needs, at the moment the
	// counters are read, to send what it holds: the queueing delay a
	// datagram offered now would see before its own serialization.
	QueueDelay time.Duration
	// MaxQueueDelay is the longest any datagram has spent in the bottleneck
	// (waiting and being serialized), at most QueueMs or one datagram's
	// serialization time when that is longer.
	MaxQueueDelay time.Duration
}

// Counters holds the per-direction datagram counts of a [Net].
type Counters struct {
	// Out counts datagrams sent by this side.
	Out DirectionCounters
	// In counts datagrams received by this side.
	In DirectionCounters
}

// direction is the impairment and bookkeeping of one direction of a link,
// shared by every socket of a Net.
type direction struct {
	delay   time.Duration
	jitter  time.Duration
	lossPct float64

	mu  sync.Mutex // guards rng (jitter)
	rng *rand.Rand

	rate *bottleneck // nil: unlimited

	offered, dropped, delivered  atomic.Uint64
	offeredBytes, deliveredBytes atomic.Uint64
	cut                          atomic.Bool // drop everything: the link is down
}

func newDirection(link Link, lossPct float64, seed uint64) *direction {
	d := &direction{
		delay:   link.Delay,
		jitter:  link.Jitter,
		lossPct: lossPct,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	if link.RateKbps > 0 {
		d.rate = newBottleneck(link.RateKbps, link.QueueMs)
	}
	return d
}

// lossBlock is the number of datagrams over which the loss rate is exact:
// each block of this many drops LossPct of them at random positions, so a
// short measurement window already shows the configured rate. Each socket
// has its own blocks, so every flow (one peer connection) sees the rate.
const lossBlock = 100

// lossPattern decides which datagrams of one socket and direction are lost.
type lossPattern struct {
	mu    sync.Mutex
	rng   *rand.Rand
	block [lossBlock]bool // which datagrams of the current block are dropped
	pos   int             // next position in block
	carry float64         // fractional drops owed to the next block
}

func newLossPattern(seed uint64) *lossPattern {
	return &lossPattern{rng: rand.New(rand.NewPCG(seed, seed^0x51ed270b27f3a6c9)), pos: lossBlock}
}

// drop decides whether the next datagram is lost at the given rate.
func (l *lossPattern) drop(pct float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pos == lossBlock {
		want := pct*lossBlock/100 + l.carry
		n := int(want)
		l.carry = want - float64(n)
		clear(l.block[:])
		for _, i := range l.rng.Perm(lossBlock)[:min(n, lossBlock)] {
			l.block[i] = true
		}
		l.pos = 0
	}
	lost := l.block[l.pos]
	l.pos++
	return lost
}

// admit counts a datagram of n bytes offered at now and decides whether the
// link drops it; if not, it returns when the datagram is due at the far end.
func (d *direction) admit(now time.Time, n int, loss *lossPattern) (due time.Time, ok bool) {
	d.offered.Add(1)
	d.offeredBytes.Add(uint64(n))
	if d.cut.Load() {
		d.dropped.Add(1)
		return time.Time{}, false
	}
	if d.rate != nil {
		// Queued and serialized first; the propagation delay starts when
		// the datagram has left the bottleneck.
		if now, ok = d.rate.admit(now, n); !ok {
			d.dropped.Add(1)
			return time.Time{}, false
		}
	}
	if d.lossPct > 0 && loss.drop(d.lossPct) {
		d.dropped.Add(1)
		return time.Time{}, false
	}
	delay := d.delay
	if d.jitter > 0 {
		d.mu.Lock()
		delay += time.Duration(d.rng.Int64N(int64(2*d.jitter)+1)) - d.jitter
		d.mu.Unlock()
	}
	return now.Add(max(delay, 0)), true
}

// deliver counts a datagram of n bytes that left the link.
func (d *direction) deliver(n int) {
	d.delivered.Add(1)
	d.deliveredBytes.Add(uint64(n))
}

func (d *direction) counters(now time.Time) DirectionCounters {
	c := DirectionCounters{
		Offered:        d.offered.Load(),
		Dropped:        d.dropped.Load(),
		Delivered:      d.delivered.Load(),
		OfferedBytes:   d.offeredBytes.Load(),
		DeliveredBytes: d.deliveredBytes.Load(),
	}
	if d.rate != nil {
		c.QueueDelay, c.MaxQueueDelay, c.QueueDropped = d.rate.stats(now)
	}
	return c
}

var _ transport.Net = (*Net)(nil)
