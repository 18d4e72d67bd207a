package devices

import "time"

// capturePacer turns whatever a capture device delivers into one chunk per
// chunk duration. A microphone normally delivers every 10-20 ms and the
// pacer just passes it on; but some sources deliver in large blocks
// (PulseAudio's sine source posts 2 s at once, a Bluetooth or USB device
// may post 100 ms), and a block sent on as a burst of packets overflows the
// receiver's jitter buffer, which then drops most of it. The pacer holds
// such a block and hands it out at real-time pace. It is plain data; time
// is an input.
type capturePacer struct {
	buf     []int16       // captured samples not yet handed out
	limit   int           // most samples held; older ones are dropped
	chunk   int           // samples per chunk
	period  time.Duration // duration of one chunk
	burst   int           // largest block seen: samples delivered back to back
	run     int           // samples of the block being delivered
	last    time.Time     // when the last delivery came
	next    time.Time     // when the next chunk is due; zero: at once
	under   bool          // a chunk was due and there was none
	refill  time.Time     // when audio came back after an underrun
	dropped int           // samples dropped for overflow
}

// pacerHold is the most audio the pacer holds: more than the largest block
// a source is known to post (2 s).
const pacerHold = 3 * time.Second

func newCapturePacer(chunk int, period time.Duration) *capturePacer {
	return &capturePacer{chunk: chunk, period: period, limit: int(pacerHold / period * time.Duration(chunk))}
}

// blockGap is the pause that separates two blocks. Miniaudio hands a large
// block over as many period-sized callbacks within a millisecond or two; a
// steady microphone's callbacks are a period (10 ms) apart.
const blockGap = 4 * time.Millisecond

// push stores one delivery from the device (copied), made at now.
func (p *capturePacer) push(samples []int16, now time.Time) {
	if !p.last.IsZero() && now.Sub(p.last) < blockGap {
		p.run += len(samples)
	} else {
		p.run = len(samples)
	}
	p.last = now
	p.burst = max(p.burst, p.run)
	p.buf = append(p.buf, samples...)
	if over := len(p.buf) - p.limit; over > 0 {
		p.buf = p.buf[:copy(p.buf, p.buf[over:])]
		p.dropped += over
	}
}

// highWater is how much may be held before chunks go out early: a whole
// block, the margin kept after an underrun, and two chunks. Above it the
// device runs faster than the clock (or the reader fell behind) and waiting
// would only add latency.
func (p *capturePacer) highWater() int {
	return p.burst + 2*p.chunk + int(p.margin()*time.Duration(p.chunk)/p.period)
}

// maxMargin caps the margin kept after an underrun.
const maxMargin = 100 * time.Millisecond

// margin is how much audio to gather after an underrun before handing it
// out again: a quarter of the largest block, at most maxMargin. A steady
// microphone (10 ms periods) gets 2.5 ms, a 2 s block source 100 ms.
func (p *capturePacer) margin() time.Duration {
	block := time.Duration(p.burst) * p.period / time.Duration(p.chunk)
	return min(maxMargin, block/4)
}

// pop hands out the next chunk into dst (len chunk) if one is due at now.
// Otherwise ok is false and wait says how long until one is due; wait 0
// means there is not enough audio: wait for the device.
func (p *capturePacer) pop(now time.Time, dst []int16) (ok bool, wait time.Duration) {
	if len(p.buf) < p.chunk {
		// Starved: the device paces us. It is an underrun if a chunk was
		// due.
		if p.next.IsZero() || !now.Before(p.next) {
			p.under = true
		}
		return false, 0
	}
	if p.under {
		// Audio is back after an underrun: wait a margin before going on,
		// so the next block may come a little late without another gap.
		if p.refill.IsZero() {
			p.refill = now
		}
		due := p.refill.Add(p.margin())
		if now.Before(due) {
			return false, due.Sub(now)
		}
		p.under, p.refill, p.next = false, time.Time{}, now
	}
	if !p.next.IsZero() && now.Before(p.next) && len(p.buf) <= p.highWater() {
		return false, p.next.Sub(now)
	}
	copy(dst, p.buf[:p.chunk])
	p.buf = p.buf[:copy(p.buf, p.buf[p.chunk:])]
	if p.next.IsZero() || now.Sub(p.next) > 2*p.period {
		p.next = now.Add(p.period) // (re)anchor the grid
	} else {
		p.next = p.next.Add(p.period)
	}
	return true, 0
}
