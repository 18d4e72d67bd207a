package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The LiveKit tests run a real livekit-server (and redis-server for two
// nodes) inside the private network namespace scripts/test.sh creates. The
// SDK's Pion skips loopback interfaces, so the namespace gets a veth pair
// with addresses, and the server's media goes over it.
const (
	LiveKitKey    = "rtcterm-test-key"
	LiveKitSecret = "rtcterm-test-secret-0123456789-abcdefghij" // 32+ characters outside --dev
	LiveKitNodeIP = "10.77.0.1"
	vethA         = "lkv0"
	vethB         = "lkv1"
	redisPort     = 16379
)

// LiveKitNode is one running livekit-server.
type LiveKitNode struct {
	URL  string // ws://127.0.0.1:port
	cmd  *exec.Cmd
	Logs *SyncWriter // its stdout and stderr
}

var (
	nodesMu sync.Mutex
	nodes   = map[int]*LiveKitNode{} // by HTTP port
	redis   *exec.Cmd
)

// StopLiveKit ends every server the tests started; a TestMain calls it.
func StopLiveKit() {
	nodesMu.Lock()
	defer nodesMu.Unlock()
	for _, n := range nodes {
		stopProcess(n.cmd)
	}
	nodes = map[int]*LiveKitNode{}
	if redis != nil {
		stopProcess(redis)
		redis = nil
	}
}

// StopLiveKitNode ends the node on httpPort, if one runs.
func StopLiveKitNode(httpPort int) {
	nodesMu.Lock()
	defer nodesMu.Unlock()
	if n := nodes[httpPort]; n != nil {
		stopProcess(n.cmd)
		delete(nodes, httpPort)
	}
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// ReexecInOwnNamespace runs the test binary again in a network namespace
// nested in the suite's, so the veth pair the SFU needs is seen by no
// other package's tests (which run at the same time and gather candidates
// on every interface). marker is the environment variable that tells the
// re-run it is one. Without the privilege for it, the tests run here
// (false).
func ReexecInOwnNamespace(marker string) (int, bool) {
	if os.Getenv("RTCTERM_IN_NETNS") != "1" || os.Getenv(marker) != "" {
		return 0, false
	}
	for _, flags := range []string{"-n", "-rn"} {
		if exec.Command("unshare", flags, "true").Run() != nil {
			continue
		}
		args := append([]string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0]}, os.Args[1:]...)
		cmd := exec.Command("unshare", args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), marker+"=1")
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), true
		}
		if err != nil {
			os.Stderr.WriteString("re-running in a namespace of its own: " + err.Error() + "\n")
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// RequireNamespace skips unless the test runs in a private network
// namespace it may change: scripts/netns.sh sets RTCTERM_IN_NETNS=1, and
// the namespace must not be the host's (only loopback and our veth pair).
// It adds the veth pair once.
func RequireNamespace(t testing.TB) {
	t.Helper()
	if os.Getenv("RTCTERM_IN_NETNS") != "1" {
		t.Skip("LiveKit tests need a private network namespace: run scripts/test.sh, or " +
			"unshare -n sh -c 'ip link set lo up && RTCTERM_IN_NETNS=1 go test ./PKG/'")
	}
	if self, err := os.Readlink("/proc/self/ns/net"); err == nil {
		if host, err := os.Readlink("/proc/1/ns/net"); err == nil && host == self {
			t.Skip("in the host's network namespace: not adding interfaces here")
		}
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skipf("cannot list interfaces: %v", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 && i.Name != vethA && i.Name != vethB {
			t.Skipf("interface %s present: not a private namespace, not adding interfaces here", i.Name)
		}
	}
	if err := ensureVeth(); err != nil {
		t.Fatalf("veth pair for the SFU: %v", err)
	}
}

var vethOnce sync.Once
var vethErr error

// ensureVeth gives the namespace two addressed interfaces, once.
func ensureVeth() error {
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

// LiveKitBinary finds livekit-server: RTCTERM_LIVEKIT_SERVER, the cache
// directory scripts/deps.sh installs into, or PATH. Without one the test
// skips, or fails when RTCTERM_REQUIRE_LIVEKIT=1 (make test sets it).
func LiveKitBinary(t testing.TB) string {
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

// StartLiveKitNode runs (once per port) a livekit-server node with the
// key LiveKitKey/LiveKitSecret; with withRedis the node shares rooms with
// every other such node through one Redis.
func StartLiveKitNode(t testing.TB, httpPort, udpPort int, withRedis bool) *LiveKitNode {
	t.Helper()
	RequireNamespace(t)
	bin := LiveKitBinary(t)
	nodesMu.Lock()
	defer nodesMu.Unlock()
	if n := nodes[httpPort]; n != nil {
		return n
	}
	cfg := liveKitConfig(httpPort, udpPort)
	if withRedis {
		if err := startRedis(t); err != nil {
			t.Fatalf("redis: %v", err)
		}
		cfg += fmt.Sprintf("redis: {address: 127.0.0.1:%d}\n", redisPort)
	}
	dir, err := os.MkdirTemp("", "lkserver")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "livekit.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &SyncWriter{w: &bytes.Buffer{}}
	cmd := exec.Command(bin, "--config", path)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start livekit-server: %v", err)
	}
	n := &LiveKitNode{URL: fmt.Sprintf("ws://127.0.0.1:%d", httpPort), cmd: cmd, Logs: logs}
	if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/", httpPort), 30*time.Second, nil); err != nil {
		stopProcess(cmd)
		t.Fatalf("livekit-server did not come up: %v\n%s", err, logs)
	}
	nodes[httpPort] = n
	return n
}

// liveKitConfig is a livekit-server configuration for the tests: HTTP on
// 127.0.0.1:httpPort, media on UDP udpPort over the veth pair only, the
// test key.
func liveKitConfig(httpPort, udpPort int) string {
	return fmt.Sprintf(`port: %d
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
}

func startRedis(t testing.TB) error {
	if redis != nil {
		return nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server not installed: run scripts/deps.sh test"
		if os.Getenv("RTCTERM_REQUIRE_LIVEKIT") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "--port", fmt.Sprint(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", redisPort)); err == nil {
			_ = c.Close()
			redis = cmd
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopProcess(cmd)
	return fmt.Errorf("redis-server did not listen on %d", redisPort)
}

// waitHTTP polls url until it answers 200, the process ends (exited is
// closed; nil: not watched) or timeout.
func waitHTTP(url string, timeout time.Duration, exited <-chan struct{}) error {
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

// SyncWriter serialises a process's stdout and stderr into one buffer of
// at most 1 MiB.
type SyncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

// NewSyncWriter returns an empty SyncWriter.
func NewSyncWriter() *SyncWriter { return &SyncWriter{w: &bytes.Buffer{}} }

func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w.Len() > 1<<20 {
		return len(p), nil // enough for a failure report
	}
	return s.w.Write(p)
}

func (s *SyncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
