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
// The scenarios run twice: with one encoder shared by every peer, and
// (layers/...) with two layers picked per peer. layers/cap=300kbps/parties=3
// and layers/cap=250kbps/parties=3 are the mesh where one peer (A) sits
// behind a narrow link and two (B, C) on clean ones. The layered meshes
// also report, per ordered pair, the bitrate the receiver got (X>Y-kbps)
// and the layer the sender sent it (X>Y-layer: 2 high, 1 low, 0 paused),
// averaged over the iterations.
//
// synctest needs a *testing.T, so each call runs as a one-test suite.
func BenchmarkAdaptToRateCap(b *testing.B) {
	type scenario struct {
		kind             mediaKind
		capKbps, parties int
	}
	var scs []scenario
	for _, kind := range []mediaKind{sharedEncoding, twoLayers} {
		for _, sc := range []struct{ capKbps, parties int }{{600, 2}, {300, 2}, {150, 2}, {900, 3}} {
			scs = append(scs, scenario{kind, sc.capKbps, sc.parties})
		}
	}
	scs = append(scs, scenario{twoLayers, 300, 3}, scenario{twoLayers, 250, 3})
	for _, sc := range scs {
		name := fmt.Sprintf("cap=%dkbps/parties=%d", sc.capKbps, sc.parties)
		if sc.kind == twoLayers {
			name = "layers/" + name
		}
		b.Run(name, func(b *testing.B) {
			var sum capResult
			var fitted int
			pairKbps, pairLayer := map[string]float64{}, map[string]float64{}
			var pairNames []string
			for range b.N {
				var r capResult
				ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
					Name: fmt.Sprintf("call-%dkbps-%d", sc.capKbps, sc.parties),
					F: func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) {
							r = runCappedOn(t, sc.kind, sc.capKbps, sc.parties, 40*time.Second, 20*time.Second)
						})
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
				if sc.kind == twoLayers && sc.parties > 2 {
					recv := map[string]float64{} // "From>To" → what To got from From
					for _, pe := range r.Pairs {
						recv[pe.To+">"+pe.From] = pe.Stats.RecvKbps
					}
					for _, pe := range r.Pairs {
						k := pe.From + ">" + pe.To
						if _, ok := pairKbps[k]; !ok {
							pairNames = append(pairNames, k)
						}
						pairKbps[k] += recv[k]
						pairLayer[k] += map[string]float64{"high": 2, "low": 1}[pe.Stats.SendLayer]
						b.Logf("%s: %s layer, received %.0f kbps", k, pe.Stats.SendLayer, recv[k])
					}
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
			b.ReportMetric(sum.RecvFPS/n, "recv-fps-min")
			b.ReportMetric(sum.RecvKbps/n, "recv-kbps-min")
			b.ReportMetric(sum.AudioPPS/n, "audio-pps-min")
			b.ReportMetric(sum.OfferedKbps[0], "offered-kbps-max")
			b.ReportMetric(sum.ResendPct, "resend-%-max")
			for _, k := range pairNames {
				b.ReportMetric(pairKbps[k]/n, k+"-kbps")
				b.ReportMetric(pairLayer[k]/n, k+"-layer")
			}
			b.ReportMetric(0, "ns/op") // wall time says nothing about a virtual-time call
		})
	}
}
