package netsim

import (
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// newLoopbackPeer builds a PeerConnection that gathers only IPv4 loopback
// host candidates, on tn when it is not nil.
func newLoopbackPeer(t *testing.T, tn transport.Net) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	// Keepalives every 300 ms refresh the measured round-trip time quickly.
	se.SetICETimeouts(5*time.Second, 25*time.Second, 300*time.Millisecond)
	if tn != nil {
		se.SetNet(tn)
	}
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// signalPair runs one offer/answer exchange with complete candidate lists.
func signalPair(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}

// nominatedRTT returns the current round-trip time of pc's nominated
// candidate pair, or 0 when there is none yet.
func nominatedRTT(pc *webrtc.PeerConnection) time.Duration {
	for _, s := range pc.GetStats() {
		if p, ok := s.(webrtc.ICECandidatePairStats); ok && p.Nominated && p.CurrentRoundTripTime > 0 {
			return time.Duration(p.CurrentRoundTripTime * float64(time.Second))
		}
	}
	return 0
}

// TestPeerConnectionRoundTrip is the real-socket smoke test: Pion over
// netsim on the host's loopback measures at least 2×Delay. The exact figures,
// with loss, are checked on virtual time by
// TestPeerConnectionRoundTripVirtual; a wall-clock run only bounds them.
func TestPeerConnectionRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end WebRTC call")
	}
	testPeerConnectionRoundTrip(t, Link{Delay: 40 * time.Millisecond}, 200*time.Millisecond)
}

// TestPeerConnectionRoundTripVirtual connects a bot behind netsim, on a pion
// virtual network, to a user on the same network without netsim, inside a
// synctest bubble: both must measure exactly 2×Delay on the nominated pair,
// through loss and through a rate cap the keepalives fit under.
func TestPeerConnectionRoundTripVirtual(t *testing.T) {
	for _, tc := range []struct {
		name string
		link Link
	}{
		{"80ms", Link{Delay: 40 * time.Millisecond}},
		{"150ms_3pct_loss", Link{Delay: 75 * time.Millisecond, LossPct: 3, InLossPct: 3, Seed: 1}},
		{"100ms_300kbps", Link{Delay: 50 * time.Millisecond, RateKbps: 300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, userNet := newVirtualPair(t, tc.link)
				bot := newVirtualPeer(t, sim)
				user := newVirtualPeer(t, userNet)
				defer func() {
					_ = bot.Close()
					_ = user.Close()
				}()
				connect(t, bot, user)
				time.Sleep(5 * time.Second) // keepalives every 300 ms
				c := sim.Counters()
				// Serialization adds a few hundred microseconds at 300 kbps.
				slack := time.Millisecond
				if tc.link.RateKbps > 0 {
					slack = 2 * time.Duration(float64(8*(200+overheadBytes))/float64(tc.link.RateKbps*1000)*float64(time.Second))
				}
				for who, rtt := range map[string]time.Duration{"bot": nominatedRTT(bot), "user": nominatedRTT(user)} {
					t.Logf("%s: RTT %v", who, rtt)
					if want := 2 * tc.link.Delay; rtt < want || rtt > want+slack {
						t.Errorf("%s: nominated pair RTT %v, want %v (+ up to %v)", who, rtt, want, slack)
					}
				}
				if c.Out.Delivered == 0 || c.In.Delivered == 0 {
					t.Errorf("no traffic crossed the link: %+v", c)
				}
			})
		})
	}
}

// newVirtualPeer builds a PeerConnection on a pion virtual network.
func newVirtualPeer(t *testing.T, tn transport.Net) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(5*time.Second, 25*time.Second, 300*time.Millisecond)
	se.SetNet(tn)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// connect signals bot and user, with a data channel, and waits until both
// are connected.
func connect(t *testing.T, bot, user *webrtc.PeerConnection) {
	t.Helper()
	connected := make(chan struct{}, 2)
	for _, pc := range []*webrtc.PeerConnection{bot, user} {
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				connected <- struct{}{}
			}
		})
	}
	if _, err := bot.CreateDataChannel("probe", nil); err != nil {
		t.Fatal(err)
	}
	signalPair(t, bot, user)
	for range 2 {
		select {
		case <-connected:
		case <-time.After(15 * time.Second):
			t.Fatal("peers did not connect")
		}
	}
}

// testPeerConnectionRoundTrip connects a bot behind link to a user on the
// plain stack and checks that both measure a round-trip time of about
// 2×link.Delay on the nominated candidate pair.
func testPeerConnectionRoundTrip(t *testing.T, link Link, maxRTT time.Duration) {
	delay := link.Delay
	sim := newNet(t, link)
	bot := newLoopbackPeer(t, sim)
	user := newLoopbackPeer(t, nil)
	defer func() {
		// Peer connections first, then the Net under one of them.
		_ = bot.Close()
		_ = user.Close()
		_ = sim.Close()
	}()

	connect(t, bot, user)

	// Wait for a few keepalives, then read both sides' measurement.
	var botRTT, userRTT time.Duration
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		botRTT, userRTT = nominatedRTT(bot), nominatedRTT(user)
		if botRTT >= 2*delay && userRTT >= 2*delay && time.Until(deadline) < 9*time.Second {
			break
		}
	}
	t.Logf("link %+v: bot measures RTT %v, user measures %v", link, botRTT, userRTT)
	for who, rtt := range map[string]time.Duration{"bot": botRTT, "user": userRTT} {
		if rtt < 2*delay || rtt >= maxRTT {
			t.Errorf("%s: nominated pair RTT %v, want in [%v, %v)", who, rtt, 2*delay, maxRTT)
		}
	}
	c := sim.Counters()
	t.Logf("link counters: %+v", c)
	if c.Out.Delivered == 0 || c.In.Delivered == 0 {
		t.Errorf("no traffic crossed the link: %+v", c)
	}
}
