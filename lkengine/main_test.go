package lkengine

import (
	"errors"
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"
)

// envOwnNetns marks the test binary re-run in a network namespace of its
// own, nested in the suite's.
const envOwnNetns = "LKENGINE_NETNS"

func TestMain(m *testing.M) {
	if runBotsIfAsked() {
		return
	}
	if code, ok := reexecInOwnNamespace(); ok {
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

// reexecInOwnNamespace runs the tests again in a network namespace nested
// in the suite's, so the veth pair the SFU needs is seen by no other
// package's tests (which run at the same time and gather candidates on
// every interface). Without the privilege for it, the tests run here.
func reexecInOwnNamespace() (int, bool) {
	if os.Getenv("RTCTERM_IN_NETNS") != "1" || os.Getenv(envOwnNetns) != "" {
		return 0, false
	}
	for _, flags := range []string{"-n", "-rn"} {
		if exec.Command("unshare", flags, "true").Run() != nil {
			continue
		}
		args := append([]string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0]}, os.Args[1:]...)
		cmd := exec.Command("unshare", args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), envOwnNetns+"=1")
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), true
		}
		if err != nil {
			os.Stderr.WriteString("lkengine: re-running in a namespace of its own: " + err.Error() + "\n")
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
