package testkit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A real livekit-server for tests outside lkengine (whose own tests keep
// their copy of this, with two nodes and Redis). The SDKs' Pion skips
// loopback interfaces, so the server's media goes over a veth pair, which
// only ever exists in a network namespace the test created for itself
// (RerunInOwnNetns). docs: ../shared/notes/testing-recipes.md.

// The credentials, the veth pair and the node address are livekit.go's.

// envChild marks a test binary that RerunInOwnNetns started.
const envChild = "RTCTERM_TESTKIT_NETNS_CHILD"

// RerunInOwnNetns runs the calling top-level test again in a child process
// inside a new network namespace nested in the suite's (so the veth pair
// it adds is seen by no other test), and reports that child's result as
// the test's. It returns true in the parent, which must then return at
// once; in the child it returns false and the test goes on. Outside the
// suite's private namespace (RTCTERM_IN_NETNS=1, scripts/test.sh) the test
// is skipped: interfaces are never added to the host.
func RerunInOwnNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(envChild) == t.Name() {
		return false
	}
	if os.Getenv("RTCTERM_IN_NETNS") != "1" {
		t.Skip("needs a private network namespace: run scripts/test.sh, or " +
			"unshare -n sh -c 'ip link set lo up && RTCTERM_IN_NETNS=1 go test ./e2e -run " + t.Name() + "'")
	}
	flags := ""
	for _, f := range []string{"-n", "-rn"} {
		if exec.Command("unshare", f, "true").Run() == nil {
			flags = f
			break
		}
	}
	if flags == "" {
		t.Skip("cannot create a network namespace here (unshare -n)")
	}
	args := []string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0],
		"-test.run", "^" + regexp.QuoteMeta(t.Name()) + "$", "-test.count", "1", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout", time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), envChild+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	text := out.String()
	switch {
	case err != nil:
		t.Fatalf("in its own network namespace: %v\n%s", err, text)
	case strings.Contains(text, "--- SKIP: "+t.Name()):
		t.Skipf("skipped in its own network namespace:\n%s", text)
	case !strings.Contains(text, "--- PASS: "+t.Name()):
		t.Fatalf("in its own network namespace: no PASS line\n%s", text)
	default:
		if testing.Verbose() {
			t.Logf("in its own network namespace:\n%s", text)
		}
	}
	return true
}

// LiveKit is a running livekit-server.
type LiveKit struct {
	URL         string // ws://127.0.0.1:PORT, what clients are given
	Key, Secret string
	logs        *SyncWriter
}

// Logs is what the server printed so far.
func (lk LiveKit) Logs() string { return lk.logs.String() }

// StartLiveKit runs livekit-server on 127.0.0.1:httpPort (media on UDP
// udpPort over the veth pair) until the test ends. It must run in the
// namespace RerunInOwnNetns made. Without the binary the test skips, or
// fails when RTCTERM_REQUIRE_LIVEKIT=1 (make test).
func StartLiveKit(t testing.TB, httpPort, udpPort int) LiveKit {
	t.Helper()
	if os.Getenv(envChild) == "" {
		t.Fatal("StartLiveKit outside RerunInOwnNetns: not adding interfaces here")
	}
	bin := LiveKitBinary(t)
	if err := ensureVeth(); err != nil {
		t.Fatalf("veth pair for the SFU: %v", err)
	}
	cfg := liveKitConfig(httpPort, udpPort)
	dir := t.TempDir()
	path := filepath.Join(dir, "livekit.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := NewSyncWriter()
	cmd := exec.Command(bin, "--config", path)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start livekit-server: %v", err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
		if t.Failed() {
			t.Logf("livekit-server output:\n%s", logs)
		}
	})
	if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/", httpPort), 30*time.Second, waited); err != nil {
		t.Fatalf("livekit-server did not come up: %v\n%s", err, logs)
	}
	return LiveKit{URL: fmt.Sprintf("ws://127.0.0.1:%d", httpPort), Key: LiveKitKey, Secret: LiveKitSecret, logs: logs}
}
