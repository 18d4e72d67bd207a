package audioproc

import "testing"

// BenchmarkEcho runs 8 s of the simulated loudspeaker call of
// TestEchoCancelled (far talker, 60 ms echo path at -6 dB, no near talker)
// per op and reports the echo return loss enhancement from 2 s on
// (erle-dB: the level left without echo cancellation over the level left
// with it, same processing otherwise) and the convergence time
// (converge-s: from the first echo until every later 100 ms window is
// ≥ 20 dB down). ns/op is the CPU cost of 16 s of audio (both runs).
func BenchmarkEcho(b *testing.B) {
	var rep echoReport
	for b.Loop() {
		withAEC, without := echoPair(b, 8)
		rep = measureEcho(without, withAEC, 20, 2)
	}
	b.ReportMetric(rep.erle, "erle-dB")
	b.ReportMetric(rep.convergedSec, "converge-s")
}

// BenchmarkProcessNear is the cost of cleaning one 10 ms frame with
// everything on, far end included.
func BenchmarkProcessNear(b *testing.B) {
	p, err := New(Default())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	far, near := make([]int16, FrameSamples), make([]int16, FrameSamples)
	i := 0
	for b.Loop() {
		for k := range far {
			far[k], near[k] = farSignal(i), farSignal(i)/2+nearSignal(i)
			i++
		}
		_ = p.ProcessFar(far)
		_ = p.ProcessNear(near)
	}
}
