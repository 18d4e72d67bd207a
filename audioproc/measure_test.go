package audioproc

// windowMs is the analysis window of the echo measurements.
const windowMs = 100

// windowDB splits pcm into windowMs windows and returns each one's RMS
// level in dBFS.
func windowDB(pcm []int16) []float64 {
	n := SampleRate * windowMs / 1000
	var out []float64
	for i := 0; i+n <= len(pcm); i += n {
		out = append(out, rmsDB(pcm[i:i+n]))
	}
	return out
}

// echoReport compares the same far-end passage recorded without echo
// cancellation (ref) and with it (aec), window by window, from the far
// end's first sound.
type echoReport struct {
	convergedSec float64 // from the first echo until the suppression held ≥ target; -1 never
	erle         float64 // ref over aec level, dB, from settleSec after the first echo on
	refDB, aecDB float64 // the two levels over that stretch
}

// activeDB is the level above which a reference window counts as echo.
const activeDB = -50

// measureEcho computes the report; target is the suppression (dB) that
// counts as converged, settleSec where the ERLE stretch begins. It uses
// only windows where the reference holds echo. A run of two seconds'
// windows must hold the target for it to count as converged.
func measureEcho(ref, aec []int16, target, settleSec float64) echoReport {
	r, a := windowDB(ref), windowDB(aec)
	n := min(len(r), len(a))
	first := -1
	for i := 0; i < n; i++ {
		if r[i] > activeDB {
			first = i
			break
		}
	}
	rep := echoReport{convergedSec: -1, erle: 0, refDB: -200, aecDB: -200}
	if first < 0 {
		return rep
	}
	// Converged: the first active window from which every active window
	// up to the end is at least target below the reference.
	conv := -1
	for i := n - 1; i >= first; i-- {
		if r[i] <= activeDB {
			continue
		}
		if r[i]-a[i] < target {
			break
		}
		conv = i
	}
	if conv >= 0 {
		rep.convergedSec = float64(conv-first) * windowMs / 1000
	}
	var sr, sa float64
	for i := first + int(settleSec*1000/windowMs); i < n; i++ {
		if r[i] > activeDB {
			sr += pow10(r[i] / 10)
			sa += pow10(a[i] / 10)
		}
	}
	if sr > 0 {
		rep.refDB, rep.aecDB = 10*log10(sr), 10*log10(max(sa, 1e-30))
		rep.erle = rep.refDB - rep.aecDB
	}
	return rep
}
