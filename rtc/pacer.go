package rtc

import (
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Pacing parameters. gcc's own LeakyBucketPacer queues without bound and
// sends strictly in order, so an encoder that overshoots the estimate turns
// into ever-growing sender delay; this pacer bounds the queue, lets audio
// pass first and caps retransmissions at a share of the estimate.
const (
	// pacingFactor lets the pacer drain bursts (key frames) faster than the
	// estimate, as gcc's pacer does, while still spreading them.
	pacingFactor = 1.5
	// minPacingBps keeps the pacer from crawling when the estimate is at
	// its floor: audio alone needs about 60 kbps on the wire.
	minPacingBps = 80_000
	// maxQueueDelay bounds the sender queue as the time it takes to drain
	// at the pacing rate; video beyond it is dropped at the tail (the
	// receiver NACKs or asks for a key frame, as for a network drop).
	maxQueueDelay = 300 * time.Millisecond
	// minQueueBytes lets one key frame of a low-rate stream through even
	// when maxQueueDelay alone would hold only a few packets.
	minQueueBytes = 12_000
	// maxQueuePackets bounds the queue whatever the rate.
	maxQueuePackets = 512
	// resendShare is the largest share of the estimate retransmissions may
	// use, over resendBurst. The NACK responder caps them at the whole
	// estimate, which on a lossy narrow link doubles what we send.
	resendShare = 0.25
	resendBurst = 250 * time.Millisecond
	// pacingBurst is how far ahead of the rate the pacer may send, so a
	// frame's packets are not all spaced out one by one.
	pacingBurst   = 10 * time.Millisecond
	minBurstBytes = 2 * 1200
)

// tokenBucket is a byte budget refilled at a rate up to a burst. Plain data
// driven by the caller's clock, so tests step time by hand.
type tokenBucket struct {
	rate   float64 // bytes per second
	burst  float64 // most tokens it holds
	floor  float64 // fewest (negative) tokens it goes down to
	tokens float64
	last   time.Time
}

func (b *tokenBucket) setRate(bytesPerSec float64, burst time.Duration, minBurst float64) {
	b.rate = bytesPerSec
	b.burst = max(bytesPerSec*burst.Seconds(), minBurst)
	b.floor = -b.burst * 10
}

// refill adds the tokens earned since the last call.
func (b *tokenBucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if dt := now.Sub(b.last); dt > 0 {
		b.tokens = min(b.burst, b.tokens+b.rate*dt.Seconds())
	}
	b.last = now
}

// take spends n bytes; the budget may go negative (a packet larger than
// what is left still goes, and the next one waits longer).
func (b *tokenBucket) take(n int) { b.tokens = max(b.tokens-float64(n), b.floor) }

// wait is how long until the budget is positive again.
func (b *tokenBucket) wait() time.Duration {
	if b.tokens > 0 || b.rate <= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// resendHandle is what the NACK responder attaches to a retransmission: it
// must be retained while the packet is queued and released with whether it
// was sent, so the responder neither resends it twice nor forgets it.
type resendHandle interface {
	Retain()
	Release(sent bool)
}

// queued is one video packet waiting in the pacer.
type queued struct {
	header  rtp.Header
	payload []byte
	attrs   interceptor.Attributes
	resend  resendHandle
	at      time.Time
	twccID  uint8
}

// pacerStats counts what the pacer did, for stats and benchmarks.
type pacerStats struct {
	SentPackets, SentBytes       uint64 // bytes: RTP header and payload
	SentPayloadBytes             uint64 // payload only, as gcc counts rates
	ResentPackets, ResentBytes   uint64
	DroppedPackets, DroppedBytes uint64 // video refused: queue full
	ResendsRefused               uint64 // retransmissions over their share
	QueuedBytes                  int
	MaxQueueDelay                time.Duration // longest a packet waited
}

// pacer implements gcc.Pacer for one peer connection. It also numbers
// packets for transport-wide congestion control as they leave, as
// libwebrtc does: numbers assigned before the queue would make every packet
// the pacer drops look like network loss to the estimate, and audio that
// passes queued video would arrive out of order.
type pacer struct {
	now func() time.Time

	sendMu  sync.Mutex // held while numbering and writing, so numbers leave in order
	twccSeq uint16     // next transport-wide sequence number; guarded by sendMu

	mu        sync.Mutex
	writers   map[uint32]interceptor.RTPWriter
	audio     map[uint32]bool
	twccID    map[uint32]uint8 // transport-wide-cc extension id per stream (0: none)
	pace      tokenBucket
	resends   tokenBucket
	queue     []queued
	queueMax  int
	stats     pacerStats
	closed    bool
	wake      chan struct{} // cap 1: the queue got a packet
	done      chan struct{}
	loopEnded chan struct{}
}

// newPacer starts a pacer at initialBps (the estimate it starts from).
func newPacer(initialBps int, now func() time.Time) *pacer {
	p := &pacer{
		now:       now,
		writers:   map[uint32]interceptor.RTPWriter{},
		audio:     map[uint32]bool{},
		twccID:    map[uint32]uint8{},
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		loopEnded: make(chan struct{}),
	}
	p.SetTargetBitrate(initialBps)
	go p.loop()
	return p
}

// setStream records whether ssrc carries audio, which passes first, and
// the id of its transport-wide-cc header extension (0: not negotiated).
func (p *pacer) setStream(ssrc uint32, audio bool, twccID uint8) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.audio[ssrc] = audio
	p.twccID[ssrc] = twccID
}

// AddStream registers the writer for a stream (gcc.Pacer).
func (p *pacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writers[ssrc] = w
}

// SetTargetBitrate follows the estimate (gcc.Pacer).
func (p *pacer) SetTargetBitrate(bps int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate := max(float64(bps)*pacingFactor, minPacingBps) / 8
	p.pace.setRate(rate, pacingBurst, minBurstBytes)
	p.resends.setRate(float64(bps)*resendShare/8, resendBurst, 1200)
	p.queueMax = max(int(rate*maxQueueDelay.Seconds()), minQueueBytes)
}

// Stats returns the counters so far.
func (p *pacer) Stats() pacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Write sends audio at once and queues video (gcc.Pacer). A video packet
// that would overfill the queue, or a retransmission over its share, is
// dropped; the error stays nil, as for a packet lost on the network.
func (p *pacer) Write(header *rtp.Header, payload []byte, attrs interceptor.Attributes) (int, error) {
	n := header.MarshalSize() + len(payload)
	resend := findResend(attrs)
	now := p.now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, errPacerClosed
	}
	w := p.writers[header.SSRC]
	if w == nil {
		p.mu.Unlock()
		return 0, errUnknownSSRC
	}
	p.pace.refill(now)
	if p.audio[header.SSRC] {
		// Audio is never queued behind video, and it still uses the
		// budget so video yields to it.
		p.pace.take(n)
		p.stats.SentPackets++
		p.stats.SentBytes += uint64(n)
		p.stats.SentPayloadBytes += uint64(len(payload))
		id := p.twccID[header.SSRC]
		p.mu.Unlock()
		h := header.Clone()
		return p.send(w, &h, id, payload, attrs)
	}
	if resend != nil {
		p.resends.refill(now)
		if p.resends.tokens <= 0 {
			p.stats.ResendsRefused++
			p.mu.Unlock()
			// Reported as written: the responder then waits a round trip
			// before resending it again, which is what a refusal wants.
			return 0, nil
		}
		p.resends.take(n)
	}
	if p.stats.QueuedBytes+n > p.queueMax || len(p.queue) >= maxQueuePackets {
		p.stats.DroppedPackets++
		p.stats.DroppedBytes += uint64(n)
		p.mu.Unlock()
		return 0, nil
	}
	if resend != nil {
		resend.Retain()
	}
	p.queue = append(p.queue, queued{header: header.Clone(), payload: append([]byte(nil), payload...), attrs: maps.Clone(attrs), resend: resend, at: now})
	p.stats.QueuedBytes += n
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return n, nil
}

// findResend returns the retransmission handle among attrs, if any.
func findResend(attrs interceptor.Attributes) resendHandle {
	for _, v := range attrs {
		if r, ok := v.(resendHandle); ok {
			return r
		}
	}
	return nil
}

// loop sends queued video as the budget allows.
func (p *pacer) loop() {
	defer close(p.loopEnded)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		item, w, wait, ok := p.next()
		if !ok {
			return
		}
		if item == nil {
			var c <-chan time.Time
			if wait > 0 {
				timer.Reset(wait)
				c = timer.C
			}
			select {
			case <-p.done:
				return
			case <-p.wake:
			case <-c:
			}
			continue
		}
		err := errUnknownSSRC
		if w != nil {
			_, err = p.send(w, &item.header, item.twccID, item.payload, item.attrs)
		}
		if item.resend != nil {
			item.resend.Release(err == nil)
		}
	}
}

// next pops the head of the queue when the budget allows. With nothing to
// send it returns how long to wait (0: until woken).
func (p *pacer) next() (item *queued, w interceptor.RTPWriter, wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil, 0, false
	}
	if len(p.queue) == 0 {
		return nil, nil, 0, true
	}
	now := p.now()
	p.pace.refill(now)
	if d := p.pace.wait(); d > 0 {
		return nil, nil, d, true
	}
	head := p.queue[0]
	item = &head
	p.queue[0] = queued{}
	p.queue = p.queue[1:]
	n := item.header.MarshalSize() + len(item.payload)
	p.stats.QueuedBytes -= n
	p.pace.take(n)
	p.stats.SentPackets++
	p.stats.SentBytes += uint64(n)
	p.stats.SentPayloadBytes += uint64(len(item.payload))
	if item.resend != nil {
		p.stats.ResentPackets++
		p.stats.ResentBytes += uint64(n)
	}
	p.stats.MaxQueueDelay = max(p.stats.MaxQueueDelay, now.Sub(item.at))
	item.twccID = p.twccID[item.header.SSRC]
	return item, p.writers[item.header.SSRC], 0, true
}

// send numbers a packet for transport-wide congestion control and writes it.
func (p *pacer) send(w interceptor.RTPWriter, h *rtp.Header, twccID uint8, payload []byte, attrs interceptor.Attributes) (int, error) {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	if twccID != 0 {
		ext, err := (&rtp.TransportCCExtension{TransportSequence: p.twccSeq}).Marshal()
		if err != nil {
			return 0, fmt.Errorf("transport-cc extension: %w", err)
		}
		if err := h.SetExtension(twccID, ext); err != nil {
			return 0, fmt.Errorf("transport-cc extension: %w", err)
		}
		p.twccSeq++
	}
	return w.Write(h, payload, attrs)
}

// Close stops the pacer and drops what is queued (gcc.Pacer).
func (p *pacer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.loopEnded
		return nil
	}
	p.closed = true
	q := p.queue
	p.queue = nil
	p.stats.QueuedBytes = 0
	close(p.done)
	p.mu.Unlock()
	<-p.loopEnded
	for _, it := range q {
		if it.resend != nil {
			it.resend.Release(false)
		}
	}
	return nil
}
