package devices

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pulseServer is a private PulseAudio server for one test: no system
// daemon, no hardware, its own runtime directory. It has a 440 Hz sine
// source "tone" (the default microphone) and a null sink "spk" (the default
// speaker) whose monitor the test records.
type pulseServer struct {
	t      testing.TB
	dir    string
	server string // PULSE_SERVER value
	cmd    *exec.Cmd
	done   chan struct{}
}

// pulseTone is the frequency of the private server's microphone.
const pulseTone = 440

// startPulse starts the server and points this process's PulseAudio
// clients (miniaudio included) at it through the environment. Without
// pulseaudio installed the test is skipped, or fails under make test
// (RTCTERM_REQUIRE_CHROMIUM set), where the tools must be there. extra
// modules (e.g. a second null sink) are loaded at start.
func startPulse(t testing.TB, extra ...string) *pulseServer {
	t.Helper()
	for _, tool := range []string{"pulseaudio", "pactl", "parec"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("RTCTERM_REQUIRE_CHROMIUM") != "" {
				t.Fatalf("%s is not installed (scripts/deps.sh test installs pulseaudio pulseaudio-utils)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir, err := os.MkdirTemp("", "rtcterm-pulse-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "native")
	ps := &pulseServer{t: t, dir: dir, server: "unix:" + sock, done: make(chan struct{})}
	env := map[string]string{
		"XDG_RUNTIME_DIR":    dir,
		"PULSE_RUNTIME_PATH": filepath.Join(dir, "pulse"),
		"PULSE_STATE_PATH":   filepath.Join(dir, "state"),
		"PULSE_CONFIG_PATH":  filepath.Join(dir, "config"),
		"PULSE_COOKIE":       filepath.Join(dir, "cookie"),
		"HOME":               dir,
		"PULSE_SERVER":       ps.server,
	}
	args := []string{"-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
		"-L", "module-native-protocol-unix socket=" + sock + " auth-anonymous=1",
		"-L", "module-null-sink sink_name=spk",
		"-L", fmt.Sprintf("module-sine-source source_name=tone frequency=%d", pulseTone),
	}
	for _, m := range extra {
		args = append(args, "-L", m)
	}
	ps.cmd = exec.Command("pulseaudio", args...)
	ps.cmd.Env = os.Environ()
	for k, v := range env {
		ps.cmd.Env = append(ps.cmd.Env, k+"="+v)
	}
	var log bytes.Buffer
	ps.cmd.Stdout, ps.cmd.Stderr = &log, &log
	// Its own process group, killed with the test binary even when that is
	// killed (a test timeout) before its cleanup runs.
	ps.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := ps.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("start pulseaudio: %v", err)
	}
	go func() { _ = ps.cmd.Wait(); close(ps.done) }()
	t.Cleanup(ps.stop)
	for k, v := range env {
		t.Setenv(k, v)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := exec.Command("pactl", "info").Run(); err == nil {
			break
		}
		select {
		case <-ps.done:
			t.Fatalf("pulseaudio exited: %s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pulseaudio did not answer: %s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ps.pactl("set-default-sink", "spk")
	ps.pactl("set-default-source", "tone")
	return ps
}

// pactl runs pactl against the private server and returns its output.
func (ps *pulseServer) pactl(args ...string) string {
	ps.t.Helper()
	out, err := exec.Command("pactl", args...).CombinedOutput()
	if err != nil {
		ps.t.Fatalf("pactl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stop ends the server (its process group) and removes its directory.
func (ps *pulseServer) stop() {
	_ = syscall.Kill(-ps.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-ps.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-ps.cmd.Process.Pid, syscall.SIGKILL)
		<-ps.done
	}
	os.RemoveAll(ps.dir)
}

// recorder records a source (e.g. "spk.monitor") as mono 16-bit 48 kHz
// with parec until stopped.
type recorder struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
}

// record starts parec on source; stop it with (*recorder).stop.
func (ps *pulseServer) record(source string) *recorder {
	ps.t.Helper()
	r := &recorder{done: make(chan struct{})}
	r.cmd = exec.Command("parec", "-d", source, "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20")
	r.cmd.Stdout = &r.out
	var errb bytes.Buffer
	r.cmd.Stderr = &errb
	if err := r.cmd.Start(); err != nil {
		ps.t.Fatalf("parec: %v", err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	ps.t.Cleanup(func() { r.stop() })
	return r
}

// stop ends the recording and returns the samples.
func (r *recorder) stop() []int16 {
	select {
	case <-r.done:
	default:
		_ = r.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	}
	b := r.out.Bytes()
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// waitCtx is a context bounded by d that ends with the test.
func waitCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
