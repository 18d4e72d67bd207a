package rtc

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// BenchmarkAdaptToRateCap reports how a call settles when one party (A)
// sits behind a rate cap (200 ms drop-tail queue each way, 20 ms one-way
// delay for everyone) on virtual time: time until A's link stays clean
// (≤ 3 % drops and queue ≤ 100 ms for 3 s), the steady state's link drops
// and queueing delay (p95 and max of 250 ms samples), the worst pair's
// received frame rate, bitrate and audio packet rate, the most A offers the
// link in one direction, and the highest retransmitted share of any
// connection. Each iteration is a 40 s call; the last 20 s are the steady
// state. The figures are virtual-time results of the algorithm, not of
// this machine, so ns/op is not reported.
//
// synctest needs a *testing.T, so each call runs as a one-test suite.
func BenchmarkAdaptToRateCap(b *testing.B) {
	for _, sc := range []struct{ capKbps, parties int }{{600, 2}, {300, 2}, {150, 2}, {900, 3}} {
		b.Run(fmt.Sprintf("cap=%dkbps/parties=%d", sc.capKbps, sc.parties), func(b *testing.B) {
			var sum capResult
			var fitted int
			for range b.N {
				var r capResult
				ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
					Name: fmt.Sprintf("call-%dkbps-%d", sc.capKbps, sc.parties),
					F: func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) { r = runCapped(t, sc.capKbps, sc.parties, 40*time.Second, 20*time.Second) })
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
				sum.RecvFPS += r.RecvFPS
				sum.RecvKbps += r.RecvKbps
				sum.AudioPPS += r.AudioPPS
				sum.ResendPct = max(sum.ResendPct, r.ResendPct)
				sum.OfferedKbps[0] = max(sum.OfferedKbps[0], r.OfferedKbps[0], r.OfferedKbps[1])
			}
			n := float64(b.N)
			if fitted > 0 {
				b.ReportMetric(sum.TimeToFit.Seconds()/float64(fitted), "s-to-fit")
			}
			b.ReportMetric(float64(b.N-fitted), "never-fit")
			b.ReportMetric(sum.SteadyDropPct/n, "drop-%")
			b.ReportMetric(float64(sum.QueueP95.Milliseconds())/n, "queue-p95-ms")
			b.ReportMetric(float64(sum.QMax.Milliseconds()), "queue-max-ms")
			b.ReportMetric(sum.RecvFPS/n, "recv-fps-min")
			b.ReportMetric(sum.RecvKbps/n, "recv-kbps-min")
			b.ReportMetric(sum.AudioPPS/n, "audio-pps-min")
			b.ReportMetric(sum.OfferedKbps[0], "offered-kbps-max")
			b.ReportMetric(sum.ResendPct, "resend-%-max")
			b.ReportMetric(0, "ns/op") // wall time says nothing about a virtual-time call
		})
	}
}
