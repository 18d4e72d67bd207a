package lkengine

import (
	"fmt"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// BenchmarkLiveKitCall measures a two-party call through a real
// livekit-server on this machine: the join (from Run until both see each
// other connected, and until the first video packet arrives at each
// sink), then, a second later, two seconds of media each way as counted at the sinks and
// by the stats (rates over the interval, round-trip time to the SFU).
// Test media: 30 fps of ~0.6 KB frames (1.8 KB key frames each second)
// and 50 Opus packets a second.
func BenchmarkLiveKitCall(b *testing.B) {
	n := startNode(b, node1HTTP, node1UDP, false)
	var join, firstVideo, audioPPS, videoPPS, kbps, rtt, fps float64
	for i := 0; i < b.N; i++ {
		room := fmt.Sprintf("bench-%d", i)
		start := time.Now()
		alice := joinEngine(b, n.URL, room, "alice")
		bob := joinEngine(b, n.URL, room, "bob")
		waitFor(b, joinTimeout, "both connected", func() bool {
			return alice.w.peerIs("bob", store.StatusConnected) && bob.w.peerIs("alice", store.StatusConnected)
		})
		join += float64(time.Since(start).Milliseconds())
		waitFor(b, joinTimeout, "first video both ways", func() bool {
			return alice.video.count("bob") > 0 && bob.video.count("alice") > 0
		})
		firstVideo += float64(time.Since(start).Milliseconds())

		// Media: counted at the sinks over two seconds, both directions,
		// after a second to settle (the SFU paces new subscribers' video).
		time.Sleep(time.Second)
		const window = 2 * time.Second
		a0, v0 := alice.audio.count("bob")+bob.audio.count("alice"), alice.video.count("bob")+bob.video.count("alice")
		if _, err := alice.e.CollectStats(b.Context(), "bob"); err != nil {
			b.Fatal(err)
		}
		time.Sleep(window)
		st, err := alice.e.CollectStats(b.Context(), "bob")
		if err != nil {
			b.Fatal(err)
		}
		a1, v1 := alice.audio.count("bob")+bob.audio.count("alice"), alice.video.count("bob")+bob.video.count("alice")
		audioPPS += float64(a1-a0) / 2 / window.Seconds()
		videoPPS += float64(v1-v0) / 2 / window.Seconds()
		kbps += st.RecvKbps
		rtt += st.RTTMillis
		fps += st.FramesPerSecond
		bob.leave(b)
		alice.leave(b)
	}
	per := float64(b.N)
	b.ReportMetric(join/per, "join-ms")
	b.ReportMetric(firstVideo/per, "first-video-ms")
	b.ReportMetric(audioPPS/per, "audio-pkt/s")
	b.ReportMetric(videoPPS/per, "video-pkt/s")
	b.ReportMetric(kbps/per, "recv-kbps")
	b.ReportMetric(fps/per, "recv-fps")
	b.ReportMetric(rtt/per, "sfu-rtt-ms")
}
