package audioproc

import (
	"errors"
	"math"
	"sync"
	"testing"
)

// echoRun feeds p a simulated loudspeaker call: the far signal is played
// and comes back delayMs later at gain echoGain, mixed with near (which may
// be nil). It returns the processed near end.
func echoRun(t testing.TB, p *Processor, seconds float64, delayMs int, echoGain float64, farSig, near func(int) int16) []int16 {
	t.Helper()
	n := int(seconds * SampleRate)
	lag := delayMs * SampleRate / 1000
	out := make([]int16, 0, n)
	far := make([]int16, FrameSamples)
	mic := make([]int16, FrameSamples)
	for start := 0; start+FrameSamples <= n; start += FrameSamples {
		for k := range far {
			i := start + k
			far[k] = 0
			var v float64
			if farSig != nil {
				far[k] = farSig(i)
				if i >= lag {
					v = echoGain * float64(farSig(i-lag))
				}
			}
			if near != nil {
				v += float64(near(i))
			}
			mic[k] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
		}
		if err := p.ProcessFar(far); err != nil {
			t.Fatal(err)
		}
		if err := p.ProcessNear(mic); err != nil {
			t.Fatal(err)
		}
		out = append(out, mic...)
	}
	return out
}

// echoLevel is the level of what is left in pcm when nobody talks here.
func echoLevel(pcm []int16) float64 { return rmsDB(pcm) }

// With a 60 ms echo path at -6 dB (a loud loudspeaker next to the
// microphone), the canceller converges within 2 s and then holds the echo
// at least 20 dB below what the same processing leaves without echo
// cancellation, which the test also checks is plainly there.
func TestEchoCancelled(t *testing.T) {
	withAEC, without := echoPair(t, 8)
	rep := measureEcho(without, withAEC, 20, 2)
	t.Logf("echo without AEC %.1f dBFS, with %.1f dBFS: ERLE %.1f dB, converged after %.1f s", rep.refDB, rep.aecDB, rep.erle, rep.convergedSec)
	if rep.refDB < -40 {
		t.Fatalf("without AEC the echo is only %.1f dBFS: the test cannot tell", rep.refDB)
	}
	if rep.convergedSec < 0 || rep.convergedSec > 2 {
		t.Fatalf("converged after %.1f s (-1: never), want ≤ 2 s", rep.convergedSec)
	}
	if rep.erle < 20 {
		t.Fatalf("ERLE %.1f dB, want ≥ 20", rep.erle)
	}
}

// echoPair runs the far talker through the simulated echo path for
// seconds, processed with Default and with Default less echo cancellation.
func echoPair(t testing.TB, seconds float64) (withAEC, without []int16) {
	run := func(cfg Config) []int16 {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		return echoRun(t, p, seconds, 60, 0.5, farSignal, nil)
	}
	off := Default()
	off.EchoCancel = false
	return run(Default()), run(off)
}

// A near-end talker alone (nothing played) passes within 3 dB.
func TestNearEndPasses(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	out := echoRun(t, p, 6, 60, 0, nil, nearSignal)
	in := make([]int16, len(out))
	for i := range in {
		in[i] = nearSignal(i)
	}
	// After gain control settled (3 s).
	got, want := rmsDB(out[3*SampleRate:]), rmsDB(in[3*SampleRate:])
	t.Logf("near end in %.1f dB, out %.1f dB", want, got)
	if math.Abs(got-want) > 3 {
		t.Fatalf("near end %.1f dB after processing, %.1f dB before: want within 3 dB", got, want)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(Config{NoiseLevel: 7}); err == nil {
		t.Fatal("noise level 7 accepted")
	}
	if _, err := New(Config{DelayMs: -1}); err == nil {
		t.Fatal("negative delay accepted")
	}
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ProcessNear(make([]int16, 100)); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("short near frame: %v", err)
	}
	if err := p.ProcessFar(nil); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("nil far frame: %v", err)
	}
	p.SetDelay(100000) // clamped, not an error
	if err := p.ProcessNear(make([]int16, FrameSamples)); err != nil {
		t.Fatalf("after a huge delay: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProcessNear(make([]int16, FrameSamples)); !errors.Is(err, ErrClosed) {
		t.Fatalf("near after close: %v", err)
	}
	if _, err := p.Metrics(); !errors.Is(err, ErrClosed) {
		t.Fatalf("metrics after close: %v", err)
	}
}

// One far and one near goroutine at once, and Close while they run: the
// race detector and the module stay quiet.
func TestConcurrentFarNear(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, fn := range []func([]int16) error{p.ProcessFar, p.ProcessNear} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]int16, FrameSamples)
			for i := 0; i < 300; i++ {
				for k := range buf {
					buf[k] = farSignal(i*FrameSamples + k)
				}
				if err := fn(buf); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Error(err)
					}
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = p.Metrics() }()
	wg.Wait()
	_ = p.Close()
}
