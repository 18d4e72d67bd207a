package rtc

import (
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// startTURN runs an in-process TURN server on loopback with one user.
func startTURN(t *testing.T, user, pass string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const realm = "rtcterm.test"
	key := turn.GenerateAuthKey(user, realm, pass)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			if ra.Username == user {
				return user, key, true
			}
			return "", nil, false
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return pc.LocalAddr().String()
}

// TestRelayOnly connects two sessions through a TURN relay only.
func TestRelayOnly(t *testing.T) {
	url := startServer(t)
	addr := startTURN(t, "alice", "s3cret")
	ice, err := ParseICEServer("turn:alice:s3cret@" + addr)
	if err != nil {
		t.Fatal(err)
	}
	relay := func(c Config) Config {
		c.ICEServers = []webrtc.ICEServer{ice}
		c.RelayOnly = true
		return c
	}
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, relay(testConfig(url, "relay", "A", ma)), ma)
	b := startMember(t, relay(testConfig(url, "relay", "B", mb)), mb)
	waitFor(t, 20*time.Second, "connected through the relay", allConnected([]*member{a, b}))
	st := statsOf(t, a, peerIDOf(b), 700*time.Millisecond)
	if st.Route.LocalType != "relay" || st.Route.String() != "relay/udp" {
		t.Fatalf("route %+v (%q), want relay", st.Route, st.Route.String())
	}
	if st.RecvKbps <= 0 {
		t.Fatalf("no media through the relay: %.1f kbps", st.RecvKbps)
	}
}
