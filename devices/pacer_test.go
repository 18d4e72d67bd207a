package devices

import (
	"testing"
	"time"
)

// delivery is one device callback: n samples at offset at.
type delivery struct {
	at time.Duration
	n  int
}

// runPacer feeds deliveries to a pacer and reads from it as the Read loop
// does, on virtual time; it returns when each chunk went out and the most
// samples held after a read.
func runPacer(p *capturePacer, ds []delivery, until time.Duration) (out []time.Duration, maxHeld int) {
	t0 := time.Unix(0, 0)
	now := time.Duration(0)
	dst := make([]int16, p.chunk)
	i := 0
	for now <= until {
		for i < len(ds) && ds[i].at <= now {
			p.push(make([]int16, ds[i].n), t0.Add(ds[i].at))
			i++
		}
		ok, wait := p.pop(t0.Add(now), dst)
		if ok {
			out = append(out, now)
			maxHeld = max(maxHeld, len(p.buf))
			continue
		}
		next := until + 1
		if i < len(ds) {
			next = ds[i].at
		}
		if wait > 0 && now+wait < next {
			next = now + wait
		}
		now = next
	}
	return out, maxHeld
}

// periodic is n samples every period from start to end, the clock of the
// device running at rate (1 = exact).
func periodic(n int, period time.Duration, end time.Duration, rate float64) []delivery {
	var ds []delivery
	for k := 0; ; k++ {
		at := time.Duration(float64(k) * float64(period) / rate)
		if at > end {
			return ds
		}
		ds = append(ds, delivery{at, n})
	}
}

// A steady microphone (10 ms periods) passes straight through: one chunk
// per 20 ms, nothing held back beyond a chunk.
func TestPacerPassesSteadyMicrophone(t *testing.T) {
	p := newCapturePacer(chunkSamples, 20*time.Millisecond)
	out, held := runPacer(p, periodic(chunkSamples/2, 10*time.Millisecond, 10*time.Second, 1), 10*time.Second)
	if len(out) < 499 || len(out) > 501 {
		t.Fatalf("%d chunks in 10 s, want 500", len(out))
	}
	if held > chunkSamples {
		t.Fatalf("held up to %d samples: latency added to a steady device", held)
	}
}

// A source that posts 2 s blocks (PulseAudio's sine source) comes out as
// one chunk every 20 ms, not as a burst of 100 packets.
func TestPacerSpreadsBlocks(t *testing.T) {
	var ds []delivery
	late := []time.Duration{0, 40 * time.Millisecond, 0, 70 * time.Millisecond} // a busy machine
	for b := range 4 {
		start := time.Duration(b)*2*time.Second + late[b]
		for k := range 200 { // 2 s in 10 ms callbacks, 5 µs apart
			ds = append(ds, delivery{start + time.Duration(k)*5*time.Microsecond, chunkSamples / 2})
		}
	}
	p := newCapturePacer(chunkSamples, 20*time.Millisecond)
	out, _ := runPacer(p, ds, 8500*time.Millisecond)
	if len(out) != 400 {
		t.Fatalf("%d chunks, want 400", len(out))
	}
	for i := 1; i < len(out); i++ {
		if gap := out[i] - out[i-1]; gap < 19*time.Millisecond || gap > 21*time.Millisecond {
			t.Fatalf("chunk %d came %v after the previous one, want 20 ms", i, gap)
		}
	}
	if p.dropped != 0 {
		t.Fatalf("dropped %d samples", p.dropped)
	}
}

// A device whose clock runs 1 % fast does not pile up latency: chunks go
// out early instead.
func TestPacerBoundsLatencyOfFastDevice(t *testing.T) {
	p := newCapturePacer(chunkSamples, 20*time.Millisecond)
	out, held := runPacer(p, periodic(chunkSamples/2, 10*time.Millisecond, 60*time.Second, 1.01), 60*time.Second)
	if held > p.highWater() {
		t.Fatalf("held %d samples, more than the high-water mark %d", held, p.highWater())
	}
	if want := int(60 * 50 * 1.01); len(out) < want-2 {
		t.Fatalf("%d chunks in 60 s, want about %d", len(out), want)
	}
}

// More than pacerHold at once: the oldest audio is dropped, the buffer
// stays bounded.
func TestPacerIsBounded(t *testing.T) {
	p := newCapturePacer(chunkSamples, 20*time.Millisecond)
	p.push(make([]int16, 5*sampleRate), time.Unix(0, 0))
	if len(p.buf) != 3*sampleRate || p.dropped != 2*sampleRate {
		t.Fatalf("held %d, dropped %d", len(p.buf), p.dropped)
	}
}
