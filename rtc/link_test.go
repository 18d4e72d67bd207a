package rtc

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/store"
)

// TestStatsMatchSimulatedLink checks the reported figures against a link
// with known delay and loss: 40 ms each way must read as about 80 ms RTT,
// and 5 % of the remote's datagrams dropped as about 5 % loss.
func TestStatsMatchSimulatedLink(t *testing.T) {
	url := startServer(t)
	sim, err := netsim.NewNet(netsim.Link{Delay: 40 * time.Millisecond, LossPct: 5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Media that follows its send-rate target, as devices.Media does: the
	// estimate may drift on a lossy link (gcc's loss controller), and an
	// encoder that ignored it would see its excess dropped by the pacer,
	// which is not the link loss measured here.
	a := startRateMember(t, testConfig(url, "link", "A", nil), newRateMedia(800, 30))
	cfgB := testConfig(url, "link", "B", nil)
	cfgB.Net = sim
	b := startRateMember(t, cfgB, newRateMedia(800, 30))
	t.Cleanup(func() { _ = sim.Close() }) // after the members (cleanups run last-in first-out)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	idB := peerIDOf(b)

	// Let ICE keepalives refresh the round-trip time a few times.
	var rtts []float64
	if _, err := a.s.CollectStats(context.Background(), idB); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		time.Sleep(time.Second)
		st, err := a.s.CollectStats(context.Background(), idB)
		if err != nil {
			t.Fatal(err)
		}
		if st.RTTMillis > 0 {
			rtts = append(rtts, st.RTTMillis)
		}
	}
	if len(rtts) < 4 {
		t.Fatalf("only %d RTT samples: %v", len(rtts), rtts)
	}
	// On a loaded machine scheduling delays only ever add to a round trip,
	// so the smallest sample is the one least disturbed by them. (The
	// virtual-network test in vnet_test.go checks every sample exactly.)
	best := slices.Min(rtts)
	if best < 72 || best > 88 {
		t.Errorf("best RTT %.1f ms over %v, want 80 ms ± 10 %%", best, rtts)
	}

	// Loss over one long window: enough packets for a tight estimate.
	if _, err := a.s.CollectStats(context.Background(), idB); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second)
	st, err := a.s.CollectStats(context.Background(), idB)
	if err != nil {
		t.Fatal(err)
	}
	if st.LossPct < 3 || st.LossPct > 7 {
		t.Errorf("loss %.2f %%, want 5 ± 2 %%", st.LossPct)
	}
	t.Logf("best RTT %.1f ms, loss %.2f %%", best, st.LossPct)
}

// TestICERestartAfterOutage cuts the link until the connection fails,
// restores it, and expects the session to reconnect by itself.
func TestICERestartAfterOutage(t *testing.T) {
	url := startServer(t)
	sim, err := netsim.NewNet(netsim.Link{})
	if err != nil {
		t.Fatal(err)
	}
	fast := func(c Config) Config {
		c.ICEDisconnectedTimeout = time.Second
		c.ICEFailedTimeout = 2 * time.Second
		c.ICEKeepalive = 300 * time.Millisecond
		c.RestartBackoff = 300 * time.Millisecond
		return c
	}
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, fast(testConfig(url, "cut", "A", ma)), ma)
	cfgB := fast(testConfig(url, "cut", "B", mb))
	cfgB.Net = sim
	b := startMember(t, cfgB, mb)
	t.Cleanup(func() { _ = sim.Close() })
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	idA, idB := peerIDOf(a), peerIDOf(b)

	sim.SetCut(true)
	waitFor(t, 30*time.Second, "failure seen on both sides", func() bool {
		return a.snapshot().Connections[idB].Status != store.StatusConnected &&
			b.snapshot().Connections[idA].Status != store.StatusConnected &&
			(a.snapshot().Connections[idB].Recovery.Attempt > 0 || b.snapshot().Connections[idA].Recovery.Attempt > 0)
	})
	sim.SetCut(false)
	waitFor(t, 40*time.Second, "reconnected after the outage", allConnected([]*member{a, b}))
	if st := statsOf(t, a, idB, 700*time.Millisecond); st.RecvKbps <= 0 {
		t.Fatalf("media not flowing after restart: %.1f kbps", st.RecvKbps)
	}
}
