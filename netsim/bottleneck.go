package netsim

import (
	"sync"
	"time"
)

const (
	// overheadBytes is what an IPv4 and a UDP header add to every datagram
	// on the wire. The rate cap counts it, as a router's does, so many
	// small datagrams fill a link sooner than their payload alone would.
	overheadBytes = 28
	// defaultQueueMs is the queue depth used when Link.RateKbps is set and
	// Link.QueueMs is not: a typical home router's buffer at its rate.
	defaultQueueMs = 200
)

// bottleneck is a rate-limited link with a drop-tail FIFO queue in front of
// it, shared by every socket of one direction of a Net. It keeps no packets:
// because the queue is FIFO and drains at a constant rate, the time the link
// is busy until says everything, both how long a new datagram waits and how
// many bytes are queued (a fluid model of tc's tbf or a router port). Times
// are inputs, so it runs on virtual time as well as on the wall clock.
type bottleneck struct {
	bytesPerSec float64
	limit       time.Duration // queue depth: the longest a datagram may spend in it

	mu        sync.Mutex
	busyUntil time.Time // when the link has sent every datagram admitted so far
	maxDelay  time.Duration
	dropped   uint64
}

func newBottleneck(rateKbps, queueMs int) *bottleneck {
	if queueMs == 0 {
		queueMs = defaultQueueMs
	}
	return &bottleneck{
		bytesPerSec: float64(rateKbps) * 1000 / 8,
		limit:       time.Duration(queueMs) * time.Millisecond,
	}
}

// txTime is how long the link takes to serialize a datagram of n payload bytes.
func (b *bottleneck) txTime(n int) time.Duration {
	return time.Duration(float64(n+overheadBytes) / b.bytesPerSec * float64(time.Second))
}

// admit offers a datagram of n payload bytes at now. It returns when the
// datagram has left the link (waited its turn and been serialized), or false
// when it would overfill the queue and is dropped at the tail.
func (b *bottleneck) admit(now time.Time, n int) (left time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	start := b.busyUntil
	if start.Before(now) {
		start = now
	}
	left = start.Add(b.txTime(n))
	delay := left.Sub(now)
	// An idle link always takes one datagram, even one that alone takes
	// longer than the queue's depth to send, or such datagrams could
	// never pass.
	if delay > b.limit && b.busyUntil.After(now) {
		b.dropped++
		return time.Time{}, false
	}
	b.busyUntil = left
	b.maxDelay = max(b.maxDelay, delay)
	return left, true
}

// stats returns the current queueing delay at now (the time until the link
// has sent everything it holds), the largest delay a datagram has had, and
// the datagrams dropped for a full queue.
func (b *bottleneck) stats(now time.Time) (cur, most time.Duration, dropped uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.busyUntil.Sub(now), 0), b.maxDelay, b.dropped
}

// setRate changes the rate from now on. The queue keeps its depth in time
// (QueueMs); what it already holds drains as admitted.
func (b *bottleneck) setRate(rateKbps int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bytesPerSec = float64(rateKbps) * 1000 / 8
}
