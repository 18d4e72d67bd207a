package testkit

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A real livekit-server for tests outside lkengine (whose own tests keep
// their copy of this, with two nodes and Redis). The SDKs' Pion skips
// loopback interfaces, so the server's media goes over a veth pair, which
// only ever exists in a network namespace the test created for itself
// (RerunInOwnNetns). docs: ../shared/notes/testing-recipes.md.

// LiveKit test credentials: a secret of 32+ characters, as livekit-server
// wants outside --dev.
const (
	LiveKitKey    = "rtcterm-test-key"
	LiveKitSecret = "rtcterm-test-secret-0123456789-abcdefghij"
)

// The veth pair and the address the server announces to clients.
const (
	vethA         = "lkv0"
	vethB         = "lkv1"
	LiveKitNodeIP = "10.77.0.1"
)

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
	logs        *syncBuffer
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
	bin := liveKitBinary(t)
	if err := addVeth(); err != nil {
		t.Fatalf("veth pair for the SFU: %v", err)
	}
	cfg := fmt.Sprintf(`port: %d
bind_addresses: [127.0.0.1]
keys:
  %s: %s
rtc:
  udp_port: %d
  tcp_port: 0
  use_external_ip: false
  node_ip: %s
  interfaces: {includes: [%s]}
  ips: {includes: [%s/32]}
logging: {level: warn}
`, httpPort, LiveKitKey, LiveKitSecret, udpPort, LiveKitNodeIP, vethA, LiveKitNodeIP)
	dir := t.TempDir()
	path := filepath.Join(dir, "livekit.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
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
	if err := waitOK(fmt.Sprintf("http://127.0.0.1:%d/", httpPort), 30*time.Second, waited); err != nil {
		t.Fatalf("livekit-server did not come up: %v\n%s", err, logs)
	}
	return LiveKit{URL: fmt.Sprintf("ws://127.0.0.1:%d", httpPort), Key: LiveKitKey, Secret: LiveKitSecret, logs: logs}
}

// liveKitBinary finds livekit-server: RTCTERM_LIVEKIT_SERVER, the cache
// directory scripts/deps.sh installs into, or PATH.
func liveKitBinary(t testing.TB) string {
	t.Helper()
	cands := []string{os.Getenv("RTCTERM_LIVEKIT_SERVER")}
	if cache, err := os.UserCacheDir(); err == nil {
		cands = append(cands, filepath.Join(cache, "rtcterm", "bin", "server"))
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	if p, err := exec.LookPath("livekit-server"); err == nil {
		return p
	}
	msg := "livekit-server not installed: run scripts/deps.sh test (installs it into ~/.cache/rtcterm/bin)"
	if os.Getenv("RTCTERM_REQUIRE_LIVEKIT") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

var (
	vethOnce sync.Once
	vethErr  error
)

// addVeth gives the namespace two addressed interfaces, once.
func addVeth() error {
	vethOnce.Do(func() {
		if _, err := net.InterfaceByName(vethA); err == nil {
			return
		}
		for _, args := range [][]string{
			{"link", "add", vethA, "type", "veth", "peer", "name", vethB},
			{"addr", "add", LiveKitNodeIP + "/24", "dev", vethA},
			{"addr", "add", "10.77.0.2/24", "dev", vethB},
			{"link", "set", vethA, "up"},
			{"link", "set", vethB, "up"},
		} {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				vethErr = fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, out)
				return
			}
		}
	})
	return vethErr
}

// waitOK polls url until it answers 200, the process ends or timeout.
func waitOK(url string, timeout time.Duration, exited <-chan struct{}) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("the server exited")
		default:
		}
		res, err := client.Get(url)
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("status %d", res.StatusCode)
		} else {
			last = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// syncBuffer keeps the first MiB a process prints, for failure reports.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<20 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
