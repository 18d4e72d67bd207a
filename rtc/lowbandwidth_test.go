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
