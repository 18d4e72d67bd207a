package lkengine

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

// envOwnNetns marks the test binary re-run in a network namespace of its
// own, nested in the suite's.
const envOwnNetns = "LKENGINE_NETNS"

func TestMain(m *testing.M) {
	if runBotsIfAsked() {
		return
	}
	if code, ok := testkit.ReexecInOwnNamespace(envOwnNetns); ok {
		os.Exit(code)
	}
	code := m.Run()
	stopServers()
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
