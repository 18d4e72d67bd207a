package audioproc

import "math"

// voice is a speech-like test signal at sample i: a harmonic series on a
// pitch that wanders between f0 and 1.6·f0 (as a voice's does), shaped
// into syllables of 120-300 ms with pauses, so noise suppression, which
// removes what is steady, treats it as a talker. Peak amplitude is about
// amp (of full scale); seed varies pitch and syllables.
func voice(i int, f0, amp float64, seed int) int16 {
	t := float64(i) / SampleRate
	// Syllables: a 1.7 s pattern of on/off stretches, shifted by seed.
	pattern := []float64{0.22, 0.08, 0.3, 0.12, 0.18, 0.06, 0.25, 0.49}
	pos := math.Mod(t+float64(seed)*0.37, 1.7)
	env, start := 0.0, 0.0
	for k, d := range pattern {
		if pos < start+d {
			if k%2 == 0 {
				x := (pos - start) / d
				env = math.Sin(math.Pi * x) // rise and fall within a syllable
			}
			break
		}
		start += d
	}
	if env == 0 {
		return 0
	}
	// Pitch glides: phase is the integral of f(t) = f0·(1.3 + 0.3·sin(2π·0.7t + seed)).
	phase := 2 * math.Pi * f0 * (1.3*t - 0.3*math.Cos(2*math.Pi*0.7*t+float64(seed))/(2*math.Pi*0.7))
	var v float64
	for h := 1; h <= 12; h++ {
		// Harmonics fall off at 6 dB per octave, with a formant-like lift
		// around the 3rd-5th.
		g := 1 / float64(h)
		if h >= 3 && h <= 5 {
			g *= 2
		}
		v += g * math.Sin(float64(h)*phase)
	}
	return int16(max(-1, min(1, amp*env*v/2.5)) * math.MaxInt16)
}

// farSignal is the far end's talker: a lower voice at about -12 dBFS peak.
func farSignal(i int) int16 { return voice(i, 110, 0.35, 1) }

// nearSignal is the near-end talker: a higher voice.
func nearSignal(i int) int16 { return voice(i, 190, 0.35, 2) }

// rmsDB is pcm's RMS level in dB relative to full scale.
func rmsDB(pcm []int16) float64 {
	if len(pcm) == 0 {
		return -200
	}
	var s float64
	for _, v := range pcm {
		f := float64(v) / math.MaxInt16
		s += f * f
	}
	return 10 * math.Log10(max(s/float64(len(pcm)), 1e-20))
}

func pow10(x float64) float64 { return math.Pow(10, x) }
func log10(x float64) float64 { return math.Log10(x) }
