package rtc

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/rtcterm/rtcterm/netsim"
)

// TestSharedBottleneckStaysFair: two parties on one 600 kbps queue that
// carries both directions (the link rtcterm's real-socket checks use). Over
// the second half of a minute, each receives a fair share of the link and
// a steady picture: neither side's step up to the high layer takes the
// other's share (it starts near the low layer's rate, and a failed step
// waits before the next).
func TestSharedBottleneckStaysFair(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lm := startLayeredMeshBehind(t, 2, netsim.Link{RateKbps: 600, QueueMs: 200, SharedRate: true})
		time.Sleep(30 * time.Second)
		lm.stats(t, 0, 1) // the window starts here
		lm.stats(t, 1, 0)
		before := lm.link.Counters()
		time.Sleep(30 * time.Second)
		after := lm.link.Counters()
		a, b := lm.stats(t, 0, 1), lm.stats(t, 1, 0) // what A receives from B, B from A
		dropped := after.Out.QueueDropped - before.Out.QueueDropped
		offered := (after.Out.Offered - before.Out.Offered) + (after.In.Offered - before.In.Offered)
		t.Logf("A receives %.0f kbps at %.1f fps, B %.0f kbps at %.1f fps; layers A→B %s, B→A %s; %d of %d datagrams dropped, max queue %v",
			a.RecvKbps, a.FramesPerSecond, b.RecvKbps, b.FramesPerSecond, lm.layerNow(0, 1), lm.layerNow(1, 0),
			dropped, offered, after.Out.MaxQueueDelay)
		for _, x := range []struct {
			name string
			kbps float64
			fps  float64
		}{{"A", a.RecvKbps, a.FramesPerSecond}, {"B", b.RecvKbps, b.FramesPerSecond}} {
			// The target is 150 kbps; on netsim the side behind
			// the link (A's sending) gets 112–184 kbps while the other
			// stays at the low layer's ceiling, so this guards against the
			// grab (89 kbps at 7 fps), not for the target.
			if x.kbps < 100 || x.fps < 10 {
				t.Errorf("%s receives %.0f kbps at %.1f fps, want >= 100 kbps and >= 10 fps", x.name, x.kbps, x.fps)
			}
		}
		// One side held at the low layer's ceiling while the other takes
		// the rest is within 3×; the grab this guards against was 2.9×
		// with the other at 7 fps.
		if hi, lo := max(a.RecvKbps, b.RecvKbps), min(a.RecvKbps, b.RecvKbps); hi > 3*lo {
			t.Errorf("shares %.0f and %.0f kbps: more than 3× apart", hi, lo)
		}
		if float64(dropped) > 0.02*float64(offered) {
			t.Errorf("%d of %d datagrams dropped, want <= 2 %%", dropped, offered)
		}
	})
}
