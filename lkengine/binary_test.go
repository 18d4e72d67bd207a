package lkengine

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/store"
)

// TestRtctermJoinLiveKit runs the built `rtcterm join --livekit` (headless,
// minting its token from LIVEKIT_API_KEY/SECRET) against a real
// livekit-server with an engine as the other participant: each receives
// the other's media, and the binary's --stats-json rows show the peer
// connected with video coming in.
func TestRtctermJoinLiveKit(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	bin := filepath.Join(t.TempDir(), "rtcterm")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/rtcterm/rtcterm").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	me := joinEngine(t, n.URL, "binary", "engine")

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "join", "--livekit", n.URL, "--room", "binary", "--name", "Term",
		"--no-tui", "--fake-media", "--no-audio-out", "--video-size", "320x240", "--capture-fps", "15",
		"--stats-json", "-", "--stats-interval", "500ms", "--duration", "12s")
	cmd.Env = append(os.Environ(), "LIVEKIT_API_KEY="+testKey, "LIVEKIT_API_SECRET="+testSecret)
	stderr := testkit.NewSyncWriter()
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var best struct {
		RecvKbps, FPS float64
		Status        string
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var row struct {
				UserName, Status string
				RecvKbps, FPS    float64
			}
			if json.Unmarshal(sc.Bytes(), &row) != nil || row.UserName != "engine" {
				continue
			}
			mu.Lock()
			if row.Status == "connected" && row.RecvKbps > best.RecvKbps {
				best.RecvKbps, best.FPS, best.Status = row.RecvKbps, row.FPS, row.Status
			}
			mu.Unlock()
		}
	}()
	waitFor(t, joinTimeout, "Term connected at the engine", func() bool { return me.w.peerIs("Term", store.StatusConnected) })
	waitFor(t, joinTimeout, "Term's video at the engine", func() bool { return me.video.count("Term") > 30 })
	waitFor(t, joinTimeout, "Term's audio at the engine", func() bool { return me.audio.count("Term") > 30 })
	<-scanned
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rtcterm join --livekit: %v\n%s", err, stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if best.Status != "connected" || best.RecvKbps <= 0 || best.FPS <= 0 {
		t.Errorf("the binary's stats never showed the engine's media: %+v\n%s", best, stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	t.Logf("binary received %.0f kbps, %.0f fps from the engine", best.RecvKbps, best.FPS)
}

// TestDemoLiveKit runs the built `rtcterm demo --livekit` headless: it
// starts a local livekit-server itself, its bots join through it, and the
// user's rows show them connected with media coming in.
func TestDemoLiveKit(t *testing.T) {
	requireNamespace(t) // adds the veth pair
	server := serverBinary(t)
	bin := filepath.Join(t.TempDir(), "rtcterm")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/rtcterm/rtcterm").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "demo", "--livekit", "--bots", "2", "--name", "You",
		"--no-tui", "--fake-media", "--no-audio-out", "--video-size", "320x240", "--capture-fps", "15",
		"--stats-json", "-", "--stats-interval", "500ms", "--duration", "12s")
	cmd.Env = append(os.Environ(), "RTCTERM_LIVEKIT_SERVER="+server)
	stderr := testkit.NewSyncWriter()
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rtcterm demo --livekit: %v\n%s", err, stderr.String())
	}
	got := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		var row struct {
			UserName, Status string
			RecvKbps         float64
		}
		if json.Unmarshal([]byte(line), &row) == nil && row.Status == "connected" && row.RecvKbps > 0 {
			got[row.UserName] = true
		}
	}
	if !got["Ada"] || !got["Grace"] {
		t.Errorf("media from the bots: %v\n%s", got, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rtcterm join --livekit ws://127.0.0.1:") {
		t.Errorf("no join line for a second person:\n%s", stderr.String())
	}
}
