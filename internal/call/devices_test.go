package call

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/store"
)

// deviceDeadline bounds every wait here; PulseAudio's sine sources post
// their first block 2 s after a stream opens and the suite is loaded.
const deviceDeadline = 30 * time.Second

// startPulse starts a private PulseAudio server for the test (no system
// daemon, no hardware) with two sine sources (tone 440 Hz, tone2 660 Hz)
// and two null sinks (spk, spk2), and points this process at it. It is
// skipped without pulseaudio, and fails under make test, which installs it.
func startPulse(t *testing.T) (pactl func(args ...string)) {
	t.Helper()
	for _, tool := range []string{"pulseaudio", "pactl", "parec"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("RTCTERM_REQUIRE_CHROMIUM") != "" {
				t.Fatalf("%s is not installed (scripts/deps.sh test installs pulseaudio pulseaudio-utils)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "native")
	env := map[string]string{
		"XDG_RUNTIME_DIR": dir, "PULSE_RUNTIME_PATH": filepath.Join(dir, "pulse"), "PULSE_STATE_PATH": filepath.Join(dir, "state"),
		"PULSE_CONFIG_PATH": filepath.Join(dir, "config"), "PULSE_COOKIE": filepath.Join(dir, "cookie"), "HOME": dir, "PULSE_SERVER": "unix:" + sock,
	}
	cmd := exec.Command("pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
		"-L", "module-native-protocol-unix socket="+sock+" auth-anonymous=1",
		"-L", "module-null-sink sink_name=spk", "-L", "module-null-sink sink_name=spk2",
		"-L", "module-sine-source source_name=tone frequency=440", "-L", "module-sine-source source_name=tone2 frequency=660")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
		t.Setenv(k, v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pulseaudio: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	pactl = func(args ...string) {
		t.Helper()
		if out, err := exec.Command("pactl", args...).CombinedOutput(); err != nil {
			t.Fatalf("pactl %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	testkit.Eventually(t, 10*time.Second, "pulseaudio answering", func() bool { return exec.Command("pactl", "info").Run() == nil })
	pactl("set-default-source", "tone")
	pactl("set-default-sink", "spk")
	return pactl
}

// monitor records a sink's monitor with parec while the test runs.
type monitor struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (m *monitor) Write(b []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.Write(b)
}

// lastSecond is the dominant frequency of the last second recorded (0 for
// silence) and how many of its 100 ms windows carry it within 10 Hz.
func (m *monitor) lastSecond() (freq float64, windows int) {
	m.mu.Lock()
	b := m.buf.Bytes()
	const n = 48000
	if len(b) < 2*n {
		m.mu.Unlock()
		return 0, 0
	}
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[len(b)-2*n+2*i:]))
	}
	m.mu.Unlock()
	counts := map[float64]int{}
	for w := 0; w < 10; w++ {
		f := dominant(pcm[w*4800 : (w+1)*4800])
		counts[math.Round(f/20)*20]++
	}
	for f, c := range counts {
		if c > windows {
			freq, windows = f, c
		}
	}
	return freq, windows
}

// dominant is the strongest of the frequencies 200–1000 Hz (10 Hz steps)
// in a window, or 0 when the window is silent.
func dominant(w []int16) float64 {
	var energy float64
	for _, v := range w {
		energy += float64(v) * float64(v)
	}
	if math.Sqrt(energy/float64(len(w))) < 100 { // below −50 dBFS
		return 0
	}
	best, bestP := 0.0, -1.0
	for f := 200.0; f <= 1000; f += 10 {
		c := 2 * math.Cos(2*math.Pi*f/48000)
		var s1, s2 float64
		for _, v := range w {
			s := float64(v) + c*s1 - s2
			s2, s1 = s1, s
		}
		if p := s1*s1 + s2*s2 - c*s1*s2; p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// record starts parec on a sink's monitor until the test ends.
func record(t *testing.T, source string) *monitor {
	m := &monitor{}
	cmd := exec.Command("parec", "-d", source, "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20")
	cmd.Stdout = m
	if err := cmd.Start(); err != nil {
		t.Fatalf("parec: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	return m
}

// waitHear waits until the last second on m is a steady freq (0: silence).
func waitHear(t *testing.T, m *monitor, freq float64, what string) {
	t.Helper()
	deadline := time.Now().Add(deviceDeadline)
	for {
		f, n := m.lastSecond()
		if f == freq && n >= 8 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the far speaker plays %.0f Hz in %d of 10 windows, want %.0f Hz", what, f, n, freq)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runEngine runs e until the test ends and records its state.
func runEngine(t *testing.T, e Engine) *testkit.Recorder {
	rec := testkit.NewRecorder(e.Actions())
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		_ = e.Close()
		select {
		case <-runErr:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return")
		}
		<-rec.Done()
	})
	return rec
}

// The whole call, both ends on PulseAudio: A's microphone (the 440 Hz
// source) is what B's speaker (the null sink spk2) plays. Through the
// engine's own SwitchDevice (what key D calls) A switches to the 660 Hz
// source and B's speaker follows, on the same connection; when that
// source vanishes A says "microphone gone: …; receiving only" and B's
// speaker falls silent; when it is back, B hears it again and A's error
// is gone.
func TestMicrophoneSwitchAndVanishThroughTheCall(t *testing.T) {
	pactl := startPulse(t)
	url := testkit.StartServer(t, server.Config{}).WS
	speakerB := record(t, "spk2.monitor")

	playerA := devices.NewPlayer(devices.PlayerConfig{OutputDeviceID: "spk"}) // B's tone, heard by nobody
	t.Cleanup(func() { _ = playerA.Close() })
	a := NewEngine(Config{ServerURL: url, Room: "dev", Name: "A", Media: Media{Width: 160, Height: 120, FPS: 10}}, Sinks{Player: playerA})
	recA := runEngine(t, a)

	playerB := devices.NewPlayer(devices.PlayerConfig{OutputDeviceID: "spk2"})
	t.Cleanup(func() { _ = playerB.Close() })
	b := NewEngine(Config{ServerURL: url, Room: "dev", Name: "B", Media: Media{Fake: true, Width: 160, Height: 120, FPS: 10}}, Sinks{Player: playerB})
	recB := runEngine(t, b)

	testkit.Eventually(t, deviceDeadline, "A and B connected", func() bool {
		return store.SelectConnectedCount(recA.State()) == 1 && store.SelectConnectedCount(recB.State()) == 1
	})
	peerOfB := func() store.Connection { c, _ := recB.PeerNamed("A"); return c }
	connectedAt := peerOfB().ConnectedAt
	waitHear(t, speakerB, 440, "before the switch")

	list, err := a.Devices()
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	var kinds []string
	for _, d := range list {
		kinds = append(kinds, fmt.Sprintf("%s/%s%s", d.Kind, d.ID, map[bool]string{true: "*"}[d.Current]))
	}
	if got := strings.Join(kinds, " "); !strings.Contains(got, "audio/tone*") || !strings.Contains(got, "audio/tone2") || !strings.Contains(got, "speaker/") {
		t.Fatalf("devices: %s", got)
	}
	if err := a.SwitchDevice("audio", "tone2"); err != nil {
		t.Fatalf("SwitchDevice: %v", err)
	}
	waitHear(t, speakerB, 660, "after the switch")
	if tr, ok := recA.State().LocalStream.Track("audio"); !ok || tr.DeviceID != "tone2" {
		t.Fatalf("A's state says its microphone is %+v", tr)
	}

	pactl("unload-module", moduleOf(t, "source_name=tone2"))
	testkit.Eventually(t, deviceDeadline, "A reports the microphone gone", func() bool {
		return strings.HasPrefix(recA.State().Error, "microphone gone: ") && strings.HasSuffix(recA.State().Error, "; receiving only")
	})
	waitHear(t, speakerB, 0, "with the microphone gone")

	pactl("load-module", "module-sine-source", "source_name=tone2", "frequency=660")
	waitHear(t, speakerB, 660, "with the microphone back")
	testkit.Eventually(t, deviceDeadline, "A's error cleared", func() bool { return recA.State().Error == "" })
	if c := peerOfB(); c.Status != store.StatusConnected || !c.ConnectedAt.Equal(connectedAt) {
		t.Fatalf("the call did not stay up: %s since %v (was %v)", c.Status, c.ConnectedAt, connectedAt)
	}
}

// moduleOf is the index of the PulseAudio module loaded with arg.
func moduleOf(t *testing.T, arg string) string {
	t.Helper()
	out, err := exec.Command("pactl", "list", "short", "modules").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for _, a := range f[min(len(f), 2):] {
			if a == arg {
				return f[0]
			}
		}
	}
	t.Fatalf("no module with %s", arg)
	return ""
}
