package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/lkengine"
)

// ErrNoLiveKitServer reports that `demo --livekit` found no livekit-server
// to run; its text says how to install one.
var ErrNoLiveKitServer = errors.New("no livekit-server found: install it with " +
	"`GOBIN=~/.cache/rtcterm/bin go install github.com/livekit/livekit-server/cmd/server@v1.13.5` " +
	"(or set RTCTERM_LIVEKIT_SERVER to its path)")

// liveKitKey is the demo server's API key; its secret is made per run.
const liveKitKey = "rtcterm-demo"

// LiveKitServerPath finds livekit-server: RTCTERM_LIVEKIT_SERVER, then the
// cache directory `scripts/deps.sh test` builds it into, then the PATH.
func LiveKitServerPath() (string, error) {
	cands := []string{os.Getenv("RTCTERM_LIVEKIT_SERVER")}
	if cache, err := os.UserCacheDir(); err == nil {
		cands = append(cands, filepath.Join(cache, "rtcterm", "bin", "server"))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); c != "" && err == nil && !st.IsDir() {
			return c, nil
		}
	}
	if p, err := exec.LookPath("livekit-server"); err == nil {
		return p, nil
	}
	return "", ErrNoLiveKitServer
}

// LiveKitDemo is the demo on a local livekit-server (`demo --livekit`):
// the server process and the bots as LiveKit participants.
type LiveKitDemo struct {
	url, secret string
	cmd         *exec.Cmd
	dir         string
	bots        []*lkengine.Engine
	wg          sync.WaitGroup
	stop        context.CancelFunc
}

// StartLiveKit runs livekit-server on loopback ports of its own and joins
// the bots to the demo room through it; ErrNoLiveKitServer when there is
// no server to run. LiveKit's clients reach the server over a non-loopback
// interface (they skip loopback), as on any machine with a network.
func StartLiveKit(ctx context.Context, cfg Config) (*LiveKitDemo, error) {
	media, log, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	bin, err := LiveKitServerPath()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	udpPort, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("demo secret: %w", err)
	}
	d := &LiveKitDemo{url: fmt.Sprintf("ws://127.0.0.1:%d", httpPort), secret: hex.EncodeToString(b)}
	if d.dir, err = os.MkdirTemp("", "rtcterm-livekit"); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	conf := fmt.Sprintf("port: %d\nbind_addresses: [127.0.0.1]\nkeys:\n  %s: %s\nrtc:\n  udp_port: %d\n  tcp_port: 0\n  use_external_ip: false\nlogging: {level: warn}\n",
		httpPort, liveKitKey, d.secret, udpPort)
	path := filepath.Join(d.dir, "livekit.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	logf, err := os.Create(filepath.Join(d.dir, "livekit.log"))
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer logf.Close() // the child has its own copy
	d.cmd = exec.Command(bin, "--config", path)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		d.cmd = nil
		d.Close()
		return nil, fmt.Errorf("start livekit-server: %w", err)
	}
	if err := waitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/", httpPort), 20*time.Second); err != nil {
		d.Close()
		return nil, fmt.Errorf("livekit-server did not come up (its log: %s): %w", logf.Name(), err)
	}
	ctx, d.stop = context.WithCancel(ctx)
	for i := range cfg.Bots {
		bot := call.Config{Room: Room, Name: BotNames[i%len(BotNames)], Media: media, Logger: log,
			LiveKit: &call.LiveKit{URL: d.url, APIKey: liveKitKey, APISecret: d.secret}}
		e := call.NewLiveKitEngine(bot, call.Sinks{})
		d.bots = append(d.bots, e)
		d.wg.Add(1)
		go func() { defer d.wg.Done(); _ = e.Run(ctx) }()
	}
	return d, nil
}

// URL is the server's address; the user joins it with LiveKit.
func (d *LiveKitDemo) URL() string { return d.url }

// LiveKit is how the user joins the demo room.
func (d *LiveKitDemo) LiveKit() *call.LiveKit {
	return &call.LiveKit{URL: d.url, APIKey: liveKitKey, APISecret: d.secret}
}

// JoinHint is the line that lets a second person join from a terminal.
func (d *LiveKitDemo) JoinHint() string {
	return fmt.Sprintf("rtcterm join --livekit %s --room %s --api-key %s --api-secret %s", d.url, Room, liveKitKey, d.secret)
}

// Close stops the bots, then the server.
func (d *LiveKitDemo) Close() {
	if d.stop != nil {
		d.stop()
	}
	for _, b := range d.bots {
		_ = b.Close()
	}
	d.wg.Wait()
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
	if d.dir != "" {
		_ = os.RemoveAll(d.dir)
	}
}

// freePort is a port the kernel gives out for network now.
func freePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("demo: %w", err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("demo: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url until it answers or timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
