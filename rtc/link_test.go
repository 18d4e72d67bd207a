package rtc

import (
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/store"
)

// TestICERestartAfterOutage cuts the link until the connection fails,
// restores it, and expects the session to reconnect by itself with media
// flowing again. It runs on pion's vnet inside a synctest bubble, with
// netsim's cut between B and the router, so the ICE timers and the restart
// backoff run on exact virtual time whatever the machine's load.
func TestICERestartAfterOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		url, httpClient := startPipeServer(t)
		router, err := vnet.NewRouter(&vnet.RouterConfig{
			CIDR: "10.0.0.0/24", MinDelay: 5 * time.Millisecond,
			LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard},
		})
		if err != nil {
			t.Fatal(err)
		}
		netA, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		netB, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.2"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []*vnet.Net{netA, netB} {
			if err := router.AddNet(n); err != nil {
				t.Fatal(err)
			}
		}
		if err := router.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = router.Stop() })
		sim, err := netsim.NewNetOn(netB, netsim.Link{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sim.Close() }) // after the members (cleanups run last-in first-out)

		fast := func(c Config) Config {
			c.Signal.HTTPClient = httpClient
			c.ICEDisconnectedTimeout = time.Second
			c.ICEFailedTimeout = 2 * time.Second
			c.ICEKeepalive = 300 * time.Millisecond
			c.RestartBackoff = 300 * time.Millisecond
			return c
		}
		ma, mb := newFakeMedia(), newFakeMedia()
		cfgA := fast(testConfig(url, "cut", "A", ma))
		cfgA.Net = netA
		cfgB := fast(testConfig(url, "cut", "B", mb))
		cfgB.Net = sim
		a := startMember(t, cfgA, ma)
		b := startMember(t, cfgB, mb)
		waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
		idA, idB := peerIDOf(a), peerIDOf(b)

		sim.SetCut(true)
		cut := time.Now()
		waitFor(t, 30*time.Second, "failure seen on both sides", func() bool {
			return a.snapshot().Connections[idB].Status != store.StatusConnected &&
				b.snapshot().Connections[idA].Status != store.StatusConnected &&
				(a.snapshot().Connections[idB].Recovery.Attempt > 0 || b.snapshot().Connections[idA].Recovery.Attempt > 0)
		})
		t.Logf("failure and first restart %v after the cut (virtual)", time.Since(cut))
		sim.SetCut(false)
		restored := time.Now()
		waitFor(t, 40*time.Second, "reconnected after the outage", allConnected([]*member{a, b}))
		t.Logf("reconnected %v after the link came back (virtual)", time.Since(restored))
		if st := statsOf(t, a, idB, 700*time.Millisecond); st.RecvKbps <= 0 {
			t.Fatalf("media not flowing after restart: %.1f kbps", st.RecvKbps)
		}
	})
}
