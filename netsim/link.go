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

// ErrInvalidLink is returned by [NewNet] for a Link with a negative duration or
// a loss percentage outside [0, 100].
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

	offered, dropped, delivered atomic.Uint64
	cut                         atomic.Bool // drop everything: the link is down
}

func newDirection(delay, jitter time.Duration, lossPct float64, seed uint64) *direction {
	return &direction{
		delay:   delay,
		jitter:  jitter,
		lossPct: lossPct,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
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

// admit counts a datagram offered at now and decides whether the link drops
// it; if not, it returns when the datagram is due at the far end.
func (d *direction) admit(now time.Time, loss *lossPattern) (due time.Time, ok bool) {
	d.offered.Add(1)
	if d.cut.Load() {
		d.dropped.Add(1)
		return time.Time{}, false
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

func (d *direction) counters() DirectionCounters {
	return DirectionCounters{
		Offered:   d.offered.Load(),
		Dropped:   d.dropped.Load(),
		Delivered: d.delivered.Load(),
	}
}

var _ transport.Net = (*Net)(nil)
