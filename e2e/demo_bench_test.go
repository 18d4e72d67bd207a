package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/benchproc"
	"github.com/rtcterm/rtcterm/internal/cli"
)

// Timing of BenchmarkDemoIdleCPU: the CPU is read over demoIdleWindow (the
// issue asks for 30 s; 10 s keeps `make bench` short and, at a 10 ms tick,
// still resolves 0.1 % of a core), starting demoWarmUp after every bot is
// connected.
const (
	demoWarmUp     = 2 * time.Second
	demoIdleWindow = 10 * time.Second
)

// demoArgs is the command line the demo child runs: `rtcterm demo` as
// `make run` starts it, headless (the terminal UI needs a terminal), with
// synthetic media so the figure does not depend on the machine's camera.
var demoArgs = []string{"demo", "--no-tui", "--fake-media"}

// BenchmarkDemoIdleCPU is the CPU of an idle `rtcterm demo` with synthetic
// media: the embedded server, three bots behind simulated links and the
// user's session, all sending audio and video, with nobody touching
// anything. Reported as cpu-pct-of-one-core of the rtcterm process alone,
// from its utime+stime in /proc/<pid>/stat over demoIdleWindow.
//
//   - ui=headless: `demo --no-tui --fake-media` in a child process (the test
//     binary re-executed into TestDemoIdleCPUHelper, which calls the same
//     run function as main).
//   - ui=tui: the real binary, built for the benchmark, with its terminal UI
//     in a 120x40 tmux pane (skipped without tmux). The tmux server's own
//     work of drawing the screen is not counted.
func BenchmarkDemoIdleCPU(b *testing.B) {
	b.Run("ui=headless", func(b *testing.B) {
		var pct float64
		for range b.N {
			pct += measureDemoIdleCPU(b)
		}
		b.ReportMetric(pct/float64(b.N), "cpu-pct-of-one-core")
	})
	b.Run("ui=tui", func(b *testing.B) {
		if _, err := exec.LookPath("tmux"); err != nil {
			b.Skip("tmux not installed")
		}
		bin := buildForBench(b)
		var pct float64
		for range b.N {
			pct += measureDemoTUIIdleCPU(b, bin)
		}
		b.ReportMetric(pct/float64(b.N), "cpu-pct-of-one-core")
	})
}

// buildForBench builds the rtcterm binary into a temporary directory.
func buildForBench(b *testing.B) string {
	b.Helper()
	// Not b.TempDir: its name holds the "=" of "ui=tui", which env(1) in the
	// tmux command line would take for a variable assignment.
	dir, err := os.MkdirTemp("", "rtcterm-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	bin := filepath.Join(dir, "rtcterm")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/rtcterm/rtcterm").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// measureDemoTUIIdleCPU runs the real demo with its terminal UI in a tmux
// pane and returns its CPU use once all three bots show as connected.
func measureDemoTUIIdleCPU(b *testing.B, bin string) float64 {
	b.Helper()
	sock := "rtcterm-bench-" + strconv.Itoa(os.Getpid())
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			b.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// exec: the pane's process is rtcterm itself, not a shell.
	tmux("new-session", "-d", "-x", "120", "-y", "40", "exec env TERM=xterm-256color "+bin+" demo --fake-media --name Bench")
	defer func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() }()
	pid, err := strconv.Atoi(strings.TrimSpace(tmux("list-panes", "-F", "#{pane_pid}")))
	if err != nil {
		b.Fatal(err)
	}
	rowRe := regexp.MustCompile(`(?m)^\W*(Ada|Grace|Linus)\b.*connected\s+(\d+)`)
	deadline := time.Now().Add(60 * time.Second)
	for len(rowRe.FindAllString(tmux("capture-pane", "-p"), -1)) < 3 {
		if time.Now().After(deadline) {
			b.Fatalf("bots not all connected within 60 s:\n%s", tmux("capture-pane", "-p"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(demoWarmUp)
	cpu0, err := benchproc.ProcessCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(demoIdleWindow)
	cpu1, err := benchproc.ProcessCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	pct := 100 * float64(cpu1-cpu0) / float64(time.Since(t0))
	// Leave as a user does and give the demo time to hang up.
	tmux("send-keys", "q")
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			break
		}
	}
	return pct
}

// demoMsg is what the demo child tells the benchmark.
type demoMsg struct {
	Connected int `json:"connected"`
}

// measureDemoIdleCPU runs one demo child and returns its CPU use.
func measureDemoIdleCPU(b *testing.B) float64 {
	b.Helper()
	child, err := benchproc.Start("TestDemoIdleCPUHelper", "demo")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := child.Stop(20 * time.Second); err != nil {
			b.Error(err)
		}
	}()
	var ready demoMsg
	if err := child.Recv(&ready, 60*time.Second); err != nil {
		b.Fatal(err)
	}
	time.Sleep(demoWarmUp)
	cpu0, err := child.CPU()
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(demoIdleWindow)
	cpu1, err := child.CPU()
	if err != nil {
		b.Fatal(err)
	}
	return 100 * float64(cpu1-cpu0) / float64(time.Since(t0))
}

// TestDemoIdleCPUHelper is the demo process of BenchmarkDemoIdleCPU; run
// directly it skips. It tells the parent once every bot is connected and
// leaves the call when the parent closes stdin.
func TestDemoIdleCPUHelper(t *testing.T) {
	if benchproc.Mode() == "" {
		t.Skip("child process of BenchmarkDemoIdleCPU")
	}
	parent := benchproc.Connect()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		var stop demoMsg
		_ = parent.Recv(&stop) // EOF when the parent is done
		cancel()
	}()
	w := &connectedWatcher{want: 3, onAll: func(n int) { _ = parent.Send(demoMsg{Connected: n}) }}
	code := cli.Run(ctx, demoArgs, cli.Stdio{In: strings.NewReader(""), Out: w, Err: io.Discard}, os.LookupEnv)
	// Exit here rather than return: the parent reads the CPU, not the test
	// framework's verdict.
	if code != cli.ExitOK {
		fmt.Fprintf(os.Stderr, "demo exited with status %d\n", code)
	}
	os.Exit(code)
}

// connectedWatcher reads the headless status lines ("15:04:05 Ada:
// connected") and calls onAll once want distinct peers are connected.
type connectedWatcher struct {
	want  int
	onAll func(n int)

	mu        sync.Mutex
	partial   []byte
	connected map[string]bool
	called    bool
}

// Write scans complete lines.
func (w *connectedWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if name, ok := strings.CutSuffix(line, ": connected"); ok {
			if w.connected == nil {
				w.connected = map[string]bool{}
			}
			if _, who, ok := strings.Cut(name, " "); ok {
				w.connected[who] = true
			}
		}
	}
	if !w.called && len(w.connected) >= w.want {
		w.called = true
		w.onAll(len(w.connected))
	}
	return len(p), nil
}
