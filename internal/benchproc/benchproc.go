// Package benchproc lets a benchmark run the thing it measures in a child
// process — the test binary itself, re-executed to run one helper test —
// so that the child's CPU time and heap are its own, not mixed with the
// peers, servers and receivers the benchmark runs around it.
//
// The parent and the child exchange JSON values: parent to child on the
// child's stdin, child to parent on file descriptor 3. The child's stderr is
// kept for error reports. It is test support only: nothing but _test.go
// files import it.
package benchproc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EnvVar carries the helper mode to the child; a helper test that finds it
// empty is not running as a child and skips.
const EnvVar = "RTCTERM_BENCH_CHILD"

// userHZ is the unit of utime and stime in /proc/<pid>/stat. Linux fixes it
// at 100 for user space (USER_HZ) on every architecture Go supports.
const userHZ = 100

// Mode returns the helper mode given by the parent, or "" when this process
// is not a benchmark child.
func Mode() string { return os.Getenv(EnvVar) }

// Child is a running child process.
type Child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *json.Encoder
	recv   chan []byte // raw JSON values from the child, closed at EOF
	stderr *lockedBuffer
	exited chan struct{}
	err    error // exit status, valid once exited is closed
}

// Start re-executes the test binary to run the helper test named test with
// mode in EnvVar. extraEnv entries ("K=V") are added to the environment.
func Start(test, mode string, extraEnv ...string) (*Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("benchproc: %w", err)
	}
	cmd := exec.Command(exe, "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), EnvVar+"="+mode), extraEnv...)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("benchproc: %w", err)
	}
	cmd.ExtraFiles = []*os.File{w} // fd 3 in the child
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("benchproc: %w", err)
	}
	c := &Child{cmd: cmd, stdin: stdin, enc: json.NewEncoder(stdin), recv: make(chan []byte, 16), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	cmd.Stdout = c.stderr // the test framework's own lines, for failure reports
	if err := cmd.Start(); err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("benchproc: start child: %w", err)
	}
	_ = w.Close() // the child holds its copy; EOF on r once it exits
	go func() {
		defer close(c.recv)
		defer r.Close()
		dec := json.NewDecoder(r)
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return
			}
			c.recv <- raw
		}
	}()
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Send writes v to the child.
func (c *Child) Send(v any) error {
	if err := c.enc.Encode(v); err != nil {
		return fmt.Errorf("benchproc: send: %w", err)
	}
	return nil
}

// Recv reads the child's next value into v, waiting at most timeout.
func (c *Child) Recv(v any, timeout time.Duration) error {
	select {
	case raw, ok := <-c.recv:
		if !ok {
			<-c.exited
			return fmt.Errorf("benchproc: child ended (%v) before answering: %s", c.err, c.StderrTail())
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("benchproc: child sent %s: %w", raw, err)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("benchproc: no answer from child within %v: %s", timeout, c.StderrTail())
	}
}

// CPU is the CPU time (user + system) the child has used so far.
func (c *Child) CPU() (time.Duration, error) { return ProcessCPU(c.Pid()) }

// Stop closes the child's stdin (its signal to clean up and exit) and
// waits up to timeout for it to exit, then kills it. It returns the
// child's exit error, if any.
func (c *Child) Stop(timeout time.Duration) error {
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("benchproc: child did not exit within %v, killed: %s", timeout, c.StderrTail())
	}
	if c.err != nil {
		return fmt.Errorf("benchproc: child: %w: %s", c.err, c.StderrTail())
	}
	return nil
}

// StderrTail is the end of what the child wrote to stderr and stdout.
func (c *Child) StderrTail() string {
	s := c.stderr.String()
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// ProcessCPU reads the CPU time (utime + stime) of process pid from
// /proc/<pid>/stat. The resolution is 10 ms, so windows of seconds are
// needed for a precise percentage.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("benchproc: %w", err)
	}
	// The command name (field 2) may contain spaces and parentheses: the
	// fields after it start after the last ')'. utime and stime are fields
	// 14 and 15, i.e. the 12th and 13th after the name.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("benchproc: malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("benchproc: short /proc stat")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("benchproc: /proc stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// Parent is the child's side of the exchange.
type Parent struct {
	enc *json.Encoder
	dec *json.Decoder
}

// Connect returns the child's link to the parent. Call it only in a child
// (Mode() != "").
func Connect() *Parent {
	return &Parent{enc: json.NewEncoder(os.NewFile(3, "benchproc")), dec: json.NewDecoder(os.Stdin)}
}

// Send writes v to the parent.
func (p *Parent) Send(v any) error {
	if err := p.enc.Encode(v); err != nil {
		return fmt.Errorf("benchproc: send to parent: %w", err)
	}
	return nil
}

// Recv reads the parent's next value into v. It returns io.EOF when the
// parent has stopped the child.
func (p *Parent) Recv(v any) error { return p.dec.Decode(v) }

// lockedBuffer is a bytes.Buffer safe for the exec copier and readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
