package rtc

import (
	"testing"
	"time"
)

// TestLowBandwidthModeIsAnnounced: the mode is recorded by rtc itself and
// reaches the other side in media-state, where the peer is marked as
// wanting little.
func TestLowBandwidthModeIsAnnounced(t *testing.T) {
	url := startServer(t)
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, testConfig(url, "low", "A", ma), ma)
	b := startMember(t, testConfig(url, "low", "B", mb), mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	if err := a.s.SetLowBandwidth(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A's own state", func() bool { return a.snapshot().LowBandwidth })
	idA := peerIDOf(a)
	waitFor(t, 5*time.Second, "B hearing A wants little", func() bool {
		p := b.s.peerByID(idA)
		return p != nil && p.wantsLow.Load()
	})
	if err := a.s.SetLowBandwidth(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "B hearing A is back", func() bool {
		p := b.s.peerByID(idA)
		return p != nil && !p.wantsLow.Load()
	})
}

// TestLowBandwidthCapsTheEncoder: in the mode our encoder's target stays
// within what lowBandwidthKbps leaves for video, and a peer that asks for
// little brings the shared encoder down too.
func TestLowBandwidthCapsTheEncoder(t *testing.T) {
	url := startServer(t)
	ra, rb := newRateMedia(800, 30), newRateMedia(800, 30)
	a := startRateMember(t, testConfig(url, "lowcap", "A", nil), ra)
	b := startRateMember(t, testConfig(url, "lowcap", "B", nil), rb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	capKbps := videoKbps(lowBandwidthKbps)
	target := func(m *rateMedia) int { // the ladder's last decision, 0 before any
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.targets) == 0 {
			return 0
		}
		return m.targets[len(m.targets)-1].Kbps
	}
	// First both climb past the cap on the clean link.
	waitFor(t, 30*time.Second, "both encoders above the cap", func() bool {
		return target(ra) > capKbps+50 && target(rb) > capKbps+50
	})
	if err := a.s.SetLowBandwidth(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "A's encoder within the low cap", func() bool { return target(ra) > 0 && target(ra) <= capKbps })
	waitFor(t, 10*time.Second, "B's encoder brought down for A", func() bool { return target(rb) > 0 && target(rb) <= capKbps })
}
