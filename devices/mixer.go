package devices

import "math"

// limiter keeps the sum of several streams inside 16 bits without hard
// clipping: when a chunk would overflow, the whole chunk is scaled down at
// once; afterwards the gain creeps back to 1 over a few hundred ms.
type limiter struct {
	gain float64 // current gain, 0 < gain <= 1
}

// limiterRelease is how much the gain may rise per chunk (20 ms).
const limiterRelease = 0.02

// apply scales acc into out (same length) without any sample exceeding the
// int16 range.
func (l *limiter) apply(acc []int32, out []int16) {
	if l.gain == 0 {
		l.gain = 1
	}
	var peak int32
	for _, v := range acc {
		peak = max(peak, v, -v)
	}
	target := 1.0
	if peak > math.MaxInt16 {
		target = float64(math.MaxInt16) / float64(peak)
	}
	from, to := l.gain, 0.0
	if target < l.gain {
		from, to = target, target
	} else {
		to = min(target, l.gain+limiterRelease)
	}
	n := float64(len(acc))
	for i, v := range acc {
		g := from + (to-from)*float64(i+1)/n
		s := math.Round(float64(v) * g)
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, s)))
	}
	l.gain = to
}

// chunkLevel is the level of one chunk: RMS relative to a full-scale sine,
// so a full-scale tone reads 1 and silence 0.
func chunkLevel(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, v := range pcm {
		f := float64(v)
		sum += f * f
	}
	rms := math.Sqrt(sum / float64(len(pcm)))
	return min(1, rms*math.Sqrt2/math.MaxInt16)
}

// levelDecay is how much a peer's level keeps per 20 ms chunk once it gets
// quieter: about 100 ms to fall to a third, so an indicator does not flicker.
const levelDecay = 0.8

// nextLevel follows rises at once and falls smoothly.
func nextLevel(prev, now float64) float64 { return max(now, prev*levelDecay) }
