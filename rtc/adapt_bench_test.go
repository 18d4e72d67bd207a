package rtc

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// BenchmarkAdaptToRateCap reports how a two-party call settles behind a
// rate cap (200 ms drop-tail queue, 20 ms each way) on virtual time: time
// until the link stays clean, the steady state's link drops and queueing
// delay, what each side receives, and the retransmitted share. Each
// iteration is a 40 s call; the last 20 s are the steady state. The
// figures are virtual-time results of the algorithm, not of this machine.
//
// synctest needs a *testing.T, so each call runs as a one-test suite.
func BenchmarkAdaptToRateCap(b *testing.B) {
	for _, capKbps := range []int{600, 300, 150} {
		b.Run(fmt.Sprintf("cap=%dkbps", capKbps), func(b *testing.B) {
			var sum capResult
			var fitted int
			for range b.N {
				var r capResult
				ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
					Name: fmt.Sprintf("call-%dkbps", capKbps),
					F: func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) { r = runCapped(t, capKbps, 40*time.Second, 20*time.Second) })
					},
				}})
				if !ok {
					b.Fatal("the call failed")
				}
				if r.TimeToFit >= 0 {
					sum.TimeToFit += r.TimeToFit
					fitted++
				}
				sum.SteadyDropPct += r.SteadyDropPct
				sum.QueueP95 += r.QueueP95
				sum.QMax = max(sum.QMax, r.QMax)
				for i := range 2 {
					sum.RecvFPS[i] += r.RecvFPS[i]
					sum.RecvKbps[i] += r.RecvKbps[i]
					sum.OfferedKbps[i] += r.OfferedKbps[i]
					sum.AudioPPS[i] += r.AudioPPS[i]
					sum.ResendPct[i] += r.ResendPct[i]
				}
			}
			n := float64(b.N)
			if fitted > 0 {
				b.ReportMetric(sum.TimeToFit.Seconds()/float64(fitted), "s-to-fit")
			}
			b.ReportMetric(float64(b.N-fitted), "never-fit")
			b.ReportMetric(sum.SteadyDropPct/n, "drop-%")
			b.ReportMetric(float64(sum.QueueP95.Milliseconds())/n, "queue-p95-ms")
			b.ReportMetric(float64(sum.QMax.Milliseconds()), "queue-max-ms")
			b.ReportMetric(min(sum.RecvFPS[0], sum.RecvFPS[1])/n, "recv-fps-min")
			b.ReportMetric(min(sum.RecvKbps[0], sum.RecvKbps[1])/n, "recv-kbps-min")
			b.ReportMetric(max(sum.OfferedKbps[0], sum.OfferedKbps[1])/n, "offered-kbps-max")
			b.ReportMetric(min(sum.AudioPPS[0], sum.AudioPPS[1])/n, "audio-pps-min")
			b.ReportMetric(max(sum.ResendPct[0], sum.ResendPct[1])/n, "resend-%")
			b.ReportMetric(0, "ns/op") // wall time says nothing about a virtual-time call
		})
	}
}
