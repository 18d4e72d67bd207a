package lkengine

import (
	"testing"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

// The tests run a real livekit-server (and redis-server for two nodes)
// inside the private network namespace scripts/test.sh creates; the
// machinery is testkit's, shared with internal/call's handover tests.
const (
	testKey    = testkit.LiveKitKey
	testSecret = testkit.LiveKitSecret
	nodeIP     = testkit.LiveKitNodeIP
)

// stopServers ends every server the tests started; TestMain calls it.
func stopServers() { testkit.StopLiveKit() }

// requireNamespace skips unless the test runs in a private network
// namespace it may change (testkit.RequireNamespace).
func requireNamespace(t testing.TB) {
	t.Helper()
	testkit.RequireNamespace(t)
}

// serverBinary finds livekit-server or skips (testkit.LiveKitBinary).
func serverBinary(t testing.TB) string {
	t.Helper()
	return testkit.LiveKitBinary(t)
}

// startNode runs (once per port) a livekit-server node.
func startNode(t testing.TB, httpPort, udpPort int, withRedis bool) *testkit.LiveKitNode {
	t.Helper()
	return testkit.StartLiveKitNode(t, httpPort, udpPort, withRedis)
}
