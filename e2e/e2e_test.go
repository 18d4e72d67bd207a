package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real binary, built once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rtcterm-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rtcterm")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/rtcterm/rtcterm").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// startProc starts the binary and returns its stdout lines on a channel.
func startProc(t *testing.T, ctx context.Context, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%v stderr:\n%s", args, stderr.String())
		}
	})
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd, lines
}

// startServe runs `rtcterm serve` on a free loopback port and returns the
// base URL it prints.
func startServe(t *testing.T, ctx context.Context, flags ...string) string {
	t.Helper()
	_, out := startProc(t, ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...)...)
	var base string
	for line := range out {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("serve did not print its address")
	}
	go func() {
		for range out { // keep the pipe drained
		}
	}()
	return base
}

// lockedBuffer collects a process's stderr for failure reports.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeAndTwoJoins runs `rtcterm serve` and two `rtcterm join` processes
// on loopback: both must report a connected peer with a measured RTT and
// media flowing, within 10 s.
func TestServeAndTwoJoins(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := startServe(t, ctx)
	type row struct {
		PeerID, UserName, Status string
		RTTMs, RecvKbps          float64
	}
	results := make(chan string, 2)
	start := time.Now()
	for _, name := range []string{"Alice", "Bob"} {
		_, out := startProc(t, ctx, "join", "--server", base, "--room", "e2e", "--name", name,
			"--no-tui", "--fake-media", "--no-audio-out", "--video-size", "320x240", "--fps", "15", "--stats-json", "-")
		go func() {
			for line := range out {
				var r row
				if json.Unmarshal([]byte(line), &r) != nil {
					continue
				}
				if r.Status == "connected" && r.RTTMs > 0 && r.RecvKbps > 0 {
					results <- name + " sees " + r.UserName
					break
				}
			}
			for range out {
			}
		}()
	}
	for range 2 {
		select {
		case r := <-results:
			t.Logf("%s after %v", r, time.Since(start).Round(time.Millisecond))
		case <-time.After(10 * time.Second):
			t.Fatal("no connected row with RTT and bitrate within 10 s")
		}
	}
}

// tmux runs a tmux command on the test's private server.
func tmux(t *testing.T, sock string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// tmuxDemo is the real `rtcterm demo` running in a 120×40 tmux pane.
type tmuxDemo struct {
	t                 *testing.T
	sock, status, log string
}

func startTmuxDemo(t *testing.T) *tmuxDemo {
	t.Helper()
	return startTmux(t, "demo --name Tester")
}

// startTmux runs `rtcterm ARGS --log FILE` in a 120×40 tmux pane; the exit
// status lands in d.status.
func startTmux(t *testing.T, args string) *tmuxDemo {
	t.Helper()
	bin := binary(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("RTCTERM_REQUIRE_CHROMIUM") != "" { // set by make test: tools must be there
			t.Fatal("tmux is not installed (scripts/deps.sh test installs it)")
		}
		t.Skip("tmux not installed")
	}
	dir := t.TempDir()
	// TempDir's parent is unique per test; its own name is just "001".
	sock := "rtcterm-test-" + filepath.Base(filepath.Dir(dir))
	d := &tmuxDemo{t: t, sock: sock, status: filepath.Join(dir, "status"), log: filepath.Join(dir, "debug.log")}
	tmux(t, d.sock, "new-session", "-d", "-x", "120", "-y", "40",
		"env TERM=xterm-256color "+bin+" "+args+" --log "+d.log+"; echo $? > "+d.status+"; sleep 60")
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(d.log)
			t.Logf("debug log (last 4 kB):\n%s", b[max(0, len(b)-4096):])
		}
	})
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", d.sock, "kill-server").Run() })
	return d
}

func (d *tmuxDemo) capture() string { return tmux(d.t, d.sock, "capture-pane", "-p") }

// waitBots waits until all three bots show as connected with figures.
func (d *tmuxDemo) waitBots() {
	d.t.Helper()
	rowRe := regexp.MustCompile(`(?m)^\W*(Ada|Grace|Linus)\b.*connected\s+(\d+)\s+(\d+)\s+(\d+)`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		screen := d.capture()
		rows := rowRe.FindAllStringSubmatch(screen, -1)
		ok := len(rows) == 3
		for _, r := range rows {
			if r[3] == "0" { // receive bitrate still zero
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("bots not all connected with figures within 15 s:\n%s", screen)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// waitExit waits for the demo to exit 0 and checks the terminal is
// restored (the alternate screen is off).
func (d *tmuxDemo) waitExit(how string) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(d.status); err == nil {
			if code := strings.TrimSpace(string(b)); code != "0" {
				d.t.Fatalf("demo exited with %s after %s", code, how)
			}
			break
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s did not exit:\n%s", how, d.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if alt := tmux(d.t, d.sock, "display-message", "-p", "#{alternate_on}"); strings.TrimSpace(alt) != "0" {
		d.t.Fatalf("alternate screen still on after %s", how)
	}
	// Audio back ends print complaints on a machine without sound; none
	// may reach the user's terminal, before, during or after the UI.
	if screen := d.capture(); strings.Contains(screen, "ALSA") || strings.Contains(screen, "jack") {
		d.t.Fatalf("C library noise on the terminal after %s:\n%s", how, screen)
	}
}

// TestDemoInTmux drives the real `rtcterm demo` in a 120×40 tmux pane:
// the bots connect with figures, m mutes, q leaves with status 0.
func TestDemoInTmux(t *testing.T) {
	d := startTmuxDemo(t)
	d.waitBots()
	if !strings.Contains(d.capture(), "MIC on") {
		t.Fatalf("mic indicator not on at start:\n%s", d.capture())
	}
	d.press("m", "MIC MUTED")
	// The chat (typed keys are text, not commands), the volume keys, the
	// invite copy, the help panel: the real binary in a real terminal.
	d.press("c", "enter send")
	tmux(t, d.sock, "send-keys", "-l", "hello from tmux m q")
	d.press("Enter", "hello from tmux m q")
	d.pressUntilGone("Escape", "enter send")
	if !strings.Contains(d.capture(), "MIC MUTED") {
		t.Fatalf("typing m in the chat toggled the mic:\n%s", d.capture())
	}
	d.press("+", "volume 110 %")
	d.press("y", "invite copied")
	d.press("?", "thresholds")
	d.pressUntilGone("Escape", "thresholds")
	tmux(t, d.sock, "send-keys", "q")
	d.waitExit("q")
}

// pressUntilGone sends a key and waits until the screen no longer shows
// gone.
func (d *tmuxDemo) pressUntilGone(key, gone string) {
	d.t.Helper()
	tmux(d.t, d.sock, "send-keys", key)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(d.capture(), gone) {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s left %q on the screen:\n%s", key, gone, d.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// press sends a key and waits until the screen shows want.
func (d *tmuxDemo) press(key, want string) {
	d.t.Helper()
	tmux(d.t, d.sock, "send-keys", key)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(d.capture(), want) {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s did not bring %q:\n%s", key, want, d.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDemoInTmuxExitsOnSIGTERM: SIGTERM leaves the call and restores the
// terminal just like q.
func TestDemoInTmuxExitsOnSIGTERM(t *testing.T) {
	d := startTmuxDemo(t)
	d.waitBots()
	// Match the rtcterm process alone, not the shell that started it.
	out, err := exec.Command("pgrep", "-f", "^"+binary(t)+" demo --name Tester --log "+d.log+"$").Output()
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(out))[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	d.waitExit("SIGTERM")
}

// TestJoinFullRoomFails: a join the server refuses ends with a clear error
// and a non-zero status instead of hanging.
func TestJoinFullRoomFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := startServe(t, ctx, "--max-peers", "1")
	args := []string{"join", "--server", base, "--room", "full", "--no-tui", "--fake-media", "--no-audio-out", "--video-size", "160x120"}
	_, first := startProc(t, ctx, append(args, "--name", "First")...)
	for line := range first {
		if strings.Contains(line, "signaling connected") {
			break
		}
	}
	go func() {
		for range first {
		}
	}()
	out, err := exec.CommandContext(ctx, binary(t), append(args, "--name", "Second")...).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second join: %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "room-full") {
		t.Fatalf("second join does not say the room is full:\n%s", out)
	}
}

// TestBadFlagExitsBeforeStarting: a demo with an out-of-range flag exits 2
// with the flag named and prints nothing a started demo would (no join
// hint, no status line). internal/cli's tests prove no server, listener or
// bot was started.
func TestBadFlagExitsBeforeStarting(t *testing.T) {
	cmd := exec.Command(binary(t), "demo", "--no-tui", "--video-fps", "99", "--bots", "2")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--draw-fps must be between 1 and 30") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// TestUnreachableServerFailsClearly: a server nobody listens on is tried a
// few times, then join exits 1 with one line that names the cause and the
// flag, headless as in the UI.
func TestUnreachableServerFailsClearly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary(t), "join", "--server", "http://"+addr, "--room", "r", "--no-tui", "--fake-media", "--no-audio-out")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v; stderr %s", err, stderr.String())
	}
	want := "rtcterm join: cannot reach " + addr + " (connection refused) — check --server"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "no peer ever connected") {
		t.Errorf("blames the peers:\n%s\n%s", stdout.String(), stderr.String())
	}
}

// TestHangupLeavesTheCall: SIGHUP (the terminal closed, SSH dropped) ends
// a call in the UI the way q does: the terminal is restored, the exit
// status is 0, and the others see the peer leave at once, not after the
// server's 15 s resume grace.
func TestHangupLeavesTheCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := startServe(t, ctx)
	_, watcher := startProc(t, ctx, "join", "--server", base, "--room", "hup", "--name", "Watcher",
		"--no-tui", "--fake-media", "--no-audio-out", "--video-size", "160x120")
	d := startTmux(t, "join --server "+base+" --room hup --name Hup --fake-media --no-audio-out --video-size 160x120")
	waitLine := func(what string, timeout time.Duration, match func(string) bool) {
		t.Helper()
		deadline := time.After(timeout)
		for {
			select {
			case line, ok := <-watcher:
				if !ok {
					t.Fatalf("watcher ended before %s", what)
				}
				if match(line) {
					return
				}
			case <-deadline:
				t.Fatalf("watcher did not see %s within %v:\n%s", what, timeout, d.capture())
			}
		}
	}
	waitLine("Hup connected", 20*time.Second, func(l string) bool { return strings.HasSuffix(l, " Hup: connected") })
	out, err := exec.Command("pgrep", "-f", "^"+binary(t)+" join --server "+base+" --room hup --name Hup").Output()
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(out))[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLine("Hup leave", 5*time.Second, func(l string) bool { return strings.HasSuffix(l, " Hup left") })
	d.waitExit("SIGHUP")
}
