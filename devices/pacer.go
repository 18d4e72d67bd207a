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
// block plus two chunks. Above it the device runs faster than the clock
// (or the reader fell behind) and waiting would only add latency.
func (p *capturePacer) highWater() int { return p.burst + 2*p.chunk }

// pop hands out the next chunk into dst (len chunk) if one is due at now.
// Otherwise ok is false and wait says how long until one is due; wait 0
// means there is not enough audio: wait for the device.
func (p *capturePacer) pop(now time.Time, dst []int16) (ok bool, wait time.Duration) {
	if len(p.buf) < p.chunk {
		// Starved: the device paces us; the next chunk goes out when it
		// arrives, on the grid unless that fell behind (see below).
		return false, 0
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
