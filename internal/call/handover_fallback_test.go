package call

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
)

// brokenSFU passes the server's pre-flight but sends members where no
// LiveKit listens: the switch fails on the members' side.
type brokenSFU struct{}

func (brokenSFU) Preflight(context.Context, string) error { return nil }
func (brokenSFU) Token(string, string, string, time.Duration) (string, error) {
	return "e30.e30.c2ln", nil
}

// TestHandoverFallsBackToTheMesh: when the members cannot join LiveKit
// after an sfu-switch, they stay on the mesh: each is told why, the mesh
// negotiates again (the third member's connections, dropped at the
// switch, come up) and media flows among all three. Needs no LiveKit.
func TestHandoverFallsBackToTheMesh(t *testing.T) {
	srv := testkit.StartServer(t, server.Config{SFU: brokenSFU{}, SFUURL: "ws://127.0.0.1:1", SFUAt: 3, Logger: testLog(t)})
	log := testLog(t)
	var ms []*liveMember
	for i := 1; i <= 3; i++ {
		ms = append(ms, startLiveMember(t, srv.WS, "fallback", fmt.Sprintf("f%d", i), log))
	}
	testkit.Eventually(t, liveWait, "every member told LiveKit failed", func() bool {
		for _, m := range ms {
			_, _, ns := m.snapshot()
			if len(ns) == 0 {
				return false
			}
		}
		return true
	})
	for _, m := range ms {
		_, _, ns := m.snapshot()
		if n := ns[0]; n.Level != "warn" || !strings.HasPrefix(n.Message, "staying on the mesh: LiveKit failed") {
			t.Errorf("%s: notice %+v", m.name, n)
		}
	}
	testkit.Eventually(t, liveWait, "the mesh of three after the failed switch", meshConnected(ms))
	now := time.Now()
	testkit.Eventually(t, liveWait, "mesh media after the failed switch", mediaFromAll(ms, func(*liveMember) time.Time { return now }, 20))
	for _, m := range ms {
		if s, _, _ := m.snapshot(); s.SFU != "" {
			t.Errorf("%s is on %s", m.name, s.SFU)
		}
	}
}

// TestHandoverRetriesTheLiveKitJoin: the members cannot join LiveKit at
// the switch (the server's pre-flight passed, but where it sends them no
// LiveKit listens yet): they stay on the mesh, told that the join is
// tried again, and once LiveKit is up there the retry moves everyone with
// media both ways, though the server sent its move only once.
func TestHandoverRetriesTheLiveKitJoin(t *testing.T) {
	node := testkit.StartLiveKitNode(t, lkHTTP, lkUDP, false)
	srv := testkit.StartServer(t, server.Config{
		SFU:    server.LiveKit{URL: node.URL, APIKey: testkit.LiveKitKey, APISecret: testkit.LiveKitSecret},
		SFUURL: fmt.Sprintf("ws://127.0.0.1:%d", lkRetryHTTP), SFUAt: 3, Logger: testLog(t),
	})
	log := testLog(t)
	var ms []*liveMember
	for i := 1; i <= 3; i++ {
		ms = append(ms, startLiveMember(t, srv.WS, "retry", fmt.Sprintf("r%d", i), log))
	}
	testkit.Eventually(t, liveWait, "every member told its join is retried", func() bool {
		for _, m := range ms {
			_, _, ns := m.snapshot()
			if len(ns) == 0 || !strings.HasPrefix(ns[0].Message, "staying on the mesh: LiveKit failed") || !strings.Contains(ns[0].Message, "; retrying in 2s") {
				return false
			}
		}
		return true
	})
	_, _, ns := ms[0].snapshot()
	t.Logf("%s was told: %s", ms[0].name, ns[0].Message)
	testkit.StartLiveKitNode(t, lkRetryHTTP, lkRetryUDP, false)
	testkit.Eventually(t, liveWait, "the members' retry moved everyone", allOnLiveKit(ms))
	switchedAt := func(m *liveMember) time.Time { _, at, _ := m.snapshot(); return at }
	testkit.Eventually(t, liveWait, "media through LiveKit after the retry", mediaFromAll(ms, switchedAt, 30))
}
