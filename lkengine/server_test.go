package lkengine

import (
	"bytes"
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

// The tests run a real livekit-server (and redis-server for two nodes)
// inside the private network namespace scripts/test.sh creates. The SDK's
// Pion skips loopback interfaces, so the namespace gets a veth pair with
// addresses, and the server's media goes over it.
const (
	testKey    = "rtcterm-test-key"
	testSecret = "rtcterm-test-secret-0123456789-abcdefghij" // 32+ characters outside --dev
	vethA      = "lkv0"
	vethB      = "lkv1"
	nodeIP     = "10.77.0.1"
	redisPort  = 16379
)

// lkNode is one running livekit-server.
type lkNode struct {
	URL  string
	cmd  *exec.Cmd
	logs *syncWriter
}

var (
	nodesMu sync.Mutex
	nodes   = map[int]*lkNode{} // by HTTP port
	redis   *exec.Cmd
)

// stopServers ends every server the tests started; TestMain calls it.
func stopServers() {
	nodesMu.Lock()
	defer nodesMu.Unlock()
	for _, n := range nodes {
		stopProcess(n.cmd)
	}
	nodes = map[int]*lkNode{}
	if redis != nil {
		stopProcess(redis)
		redis = nil
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

// requireNamespace skips unless the test runs in a private network
// namespace it may change: scripts/netns.sh sets RTCTERM_IN_NETNS=1, and
// the namespace must not be the host's (only loopback and our veth pair).
func requireNamespace(t testing.TB) {
	t.Helper()
	if os.Getenv("RTCTERM_IN_NETNS") != "1" {
		t.Skip("LiveKit tests need a private network namespace: run scripts/test.sh, or " +
			"unshare -n sh -c 'ip link set lo up && RTCTERM_IN_NETNS=1 go test ./lkengine/'")
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
			{"addr", "add", nodeIP + "/24", "dev", vethA},
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

// serverBinary finds livekit-server: RTCTERM_LIVEKIT_SERVER, the cache
// directory scripts/deps.sh installs into, or PATH. Without one the test
// skips, or fails when RTCTERM_REQUIRE_LIVEKIT=1 (make test sets it).
func serverBinary(t testing.TB) string {
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

// startNode runs (once per port) a livekit-server node; with withRedis the
// node shares rooms with every other such node through one Redis.
func startNode(t testing.TB, httpPort, udpPort int, withRedis bool) *lkNode {
	t.Helper()
	requireNamespace(t)
	bin := serverBinary(t)
	nodesMu.Lock()
	defer nodesMu.Unlock()
	if n := nodes[httpPort]; n != nil {
		return n
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
`, httpPort, testKey, testSecret, udpPort, nodeIP, vethA, nodeIP)
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
	logs := &syncWriter{w: &bytes.Buffer{}}
	cmd := exec.Command(bin, "--config", path)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start livekit-server: %v", err)
	}
	n := &lkNode{URL: fmt.Sprintf("ws://127.0.0.1:%d", httpPort), cmd: cmd, logs: logs}
	if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/", httpPort), 30*time.Second); err != nil {
		stopProcess(cmd)
		t.Fatalf("livekit-server did not come up: %v\n%s", err, logs)
	}
	nodes[httpPort] = n
	return n
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

func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("status %d", resp.StatusCode)
		} else {
			last = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// syncWriter serialises the server's stdout and stderr into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w.Len() > 1<<20 {
		return len(p), nil // enough for a failure report
	}
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
