package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkOfferToConnected measures offer → connected on this machine: a
// Chromium that is already in the room offers to a newcomer, and the test's
// probe in that page (testdata/page_probe.js) times createOffer to
// connectionState "connected". Ten newcomers are in-process rtcterm
// sessions, ten are another Chromium leaving and joining again with its
// buttons; the medians are reported as ms-rtcterm-chromium and
// ms-chromium-chromium.
func BenchmarkOfferToConnected(b *testing.B) {
	const samples = 10
	base := startWebServer(b, nil)
	host := openPage(b, "Host", pageURL(base, "bench", "Host", ""))
	host.waitFor(b, 20*time.Second, "joined", func(r pageReport) bool { return r.SelfID != "" })

	timeFor := func(match func(pagePeer) bool) float64 {
		var ms float64
		host.waitFor(b, 20*time.Second, "connected to the newcomer", func(r pageReport) bool {
			for _, p := range r.Peers {
				if match(p) && p.ConnectionState == "connected" && p.OfferToConnectedMs != nil {
					ms = *p.OfferToConnectedMs
					return true
				}
			}
			return false
		})
		return ms
	}

	var withTerminal []float64
	for i := range samples {
		name := fmt.Sprintf("Term%d", i)
		tm := startTerminal(b, base, "bench", name)
		withTerminal = append(withTerminal, timeFor(func(p pagePeer) bool { return p.UserName == name }))
		tm.close()
		host.waitFor(b, 10*time.Second, name+" gone", func(r pageReport) bool {
			_, ok := r.peerNamed(name)
			return !ok
		})
	}

	guest := openPage(b, "Guest", pageURL(base, "bench", "Guest", ""))
	var withBrowser []float64
	prev := ""
	for range samples {
		r := guest.waitFor(b, 20*time.Second, "joined anew", func(r pageReport) bool { return r.SelfID != "" && r.SelfID != prev })
		id := r.SelfID
		withBrowser = append(withBrowser, timeFor(func(p pagePeer) bool { return p.PeerID == id }))
		prev = id
		guest.rejoin(b)
	}

	b.Logf("offer → connected, ms: rtcterm↔Chromium %v; Chromium↔Chromium %v", rounded(withTerminal), rounded(withBrowser))
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(medianOf(withTerminal), "ms-rtcterm-chromium")
	b.ReportMetric(medianOf(withBrowser), "ms-chromium-chromium")
}

// medianOf is the median, the mean of the middle two for an even count.
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rounded(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}
