package devices

import (
	"fmt"
	"math"
	"strings"
)

// windowReport describes a recording cut into 100 ms windows: which are
// silent and, for the others, the dominant frequency.
type windowReport struct {
	windows  int
	silent   int
	onTone   int       // non-silent windows within ±tol Hz of the wanted tone
	freqs    []float64 // dominant frequency per window, 0 when silent
	levelDB  []float64 // RMS level per window, dBFS
	wantFreq float64
}

// silenceDB is the level below which a window counts as silent.
const silenceDB = -50

// analyzeWindows cuts pcm (48 kHz mono) into 100 ms windows, skipping the
// first skip windows (start-up), and finds each window's dominant
// frequency between 100 and 2000 Hz.
func analyzeWindows(pcm []int16, skip int, want, tol float64) windowReport {
	const n = sampleRate / 10
	r := windowReport{wantFreq: want}
	for i := skip * n; i+n <= len(pcm); i += n {
		w := pcm[i : i+n]
		r.windows++
		db := rmsDB(w)
		r.levelDB = append(r.levelDB, db)
		if db < silenceDB {
			r.silent++
			r.freqs = append(r.freqs, 0)
			continue
		}
		f := dominantFrequency(w, 100, 2000)
		r.freqs = append(r.freqs, f)
		if math.Abs(f-want) <= tol {
			r.onTone++
		}
	}
	return r
}

// goodFraction is the share of windows that are non-silent and on tone.
func (r windowReport) goodFraction() float64 {
	if r.windows == 0 {
		return 0
	}
	return float64(r.onTone) / float64(r.windows)
}

func (r windowReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d windows: %d silent, %d on %.0f Hz; freqs:", r.windows, r.silent, r.onTone, r.wantFreq)
	for i, f := range r.freqs {
		fmt.Fprintf(&b, " %.0f(%.0fdB)", f, r.levelDB[i])
	}
	return b.String()
}

// rmsDB is the RMS level in dB relative to full scale.
func rmsDB(pcm []int16) float64 {
	var sum float64
	for _, v := range pcm {
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum/float64(max(1, len(pcm)))) / math.MaxInt16
	if rms == 0 {
		return -120
	}
	return 20 * math.Log10(rms)
}

// dominantFrequency finds the strongest frequency in [lo, hi] Hz: a coarse
// Goertzel scan over a Hann-windowed copy, then a fine one around the peak.
func dominantFrequency(pcm []int16, lo, hi float64) float64 {
	w := make([]float64, len(pcm))
	for i, v := range pcm {
		w[i] = float64(v) * (0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(pcm)-1)))
	}
	scan := func(from, to, step float64) float64 {
		best, bestP := from, -1.0
		for f := from; f <= to; f += step {
			if p := goertzelF(w, f); p > bestP {
				best, bestP = f, p
			}
		}
		return best
	}
	coarse := scan(lo, hi, 5)
	return scan(coarse-5, coarse+5, 0.5)
}

// goertzelF is the power of frequency f in x (48 kHz).
func goertzelF(x []float64, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/sampleRate)
	var s1, s2 float64
	for _, v := range x {
		s := v + c*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - c*s1*s2
}
