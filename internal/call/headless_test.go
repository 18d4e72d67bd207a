package call

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/testkit"

	"github.com/rtcterm/rtcterm/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// envOwnNetns marks the test binary re-run in a network namespace of its
// own (the LiveKit handover tests add a veth pair there).
const envOwnNetns = "CALL_NETNS"

func TestMain(m *testing.M) {
	if code, ok := testkit.ReexecInOwnNamespace(envOwnNetns); ok {
		os.Exit(code)
	}
	code := m.Run()
	testkit.StopLiveKit()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// fakeEngine answers stats collections with fixed figures and ends the
// action stream when closed, as rtc.Session does.
type fakeEngine struct {
	actions chan store.Action
	once    sync.Once
}

func (f *fakeEngine) CollectStats(_ context.Context, peerID string) (store.Stats, error) {
	return store.Stats{
		RTTMillis: 80.04, RecvKbps: 512.26, SendKbps: 498.75, LossPct: 1.25, JitterMillis: 3.33,
		FramesPerSecond: 29.96, Width: 640, Height: 480, VideoCodec: "VP8", AudioCodec: "opus",
		Route:             store.Route{LocalType: "host", RemoteType: "srflx", Protocol: "udp"},
		AvailableSendKbps: 612.44, SendTargetKbps: 450, LimitedBy: "bandwidth", SendLayer: "low",
	}, nil
}

func (f *fakeEngine) Close() error {
	f.once.Do(func() { close(f.actions) })
	return nil
}

// TestHeadlessGolden runs the headless output over a scripted call on
// virtual time and compares the status lines and the --stats-json rows
// with golden files: scripts rely on both formats. Remote text carrying
// terminal escapes must arrive sanitized.
func TestHeadlessGolden(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{actions: make(chan store.Action, 32)}
		at := time.Now()
		for _, a := range []store.Action{
			store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnecting, Room: "r", UserName: "me"}},
			store.InitializeMediaFulfilled{Stream: store.LocalStream{Tracks: []store.Track{
				{Kind: "audio", Label: "tone", Synthetic: true}, {Kind: "video", Label: "Cam\x1b]52;c;aGk=\a", DeviceID: "v0"},
			}}},
			store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: "r", UserName: "me", PeerID: "self"}},
			store.AddPeerConnection{PeerID: "p1", UserName: "Ada", At: at},
			store.AddPeerConnection{PeerID: "p2", UserName: "Eve\x1b[2J\u202e", At: at},
			store.UpdateConnectionStatus{PeerID: "p1", Status: store.StatusConnected, At: at},
			store.UpdateRemoteMedia{PeerID: "p1", Audio: true, Video: false},
			store.SetConnectionError{PeerID: "p2", Error: "bad\x1b[31m offer"},
			store.ChatReceived{From: "p1", UserName: "Ada", Text: "hello \x1b]52;c;aGk=\a\u202eworld\x1b[2J", At: at.Add(-time.Second)},
			store.ChatReceived{From: "p2", UserName: "Eve\x1b[2J\u202e", Text: "\u009b31mred", At: at},
			store.RemovePeerConnection{PeerID: "p2"},
			store.SetAudioOutput{Reason: "audio: no output device"},
			store.ServerNotice{Level: "warn", Message: "staying on the mesh\x1b[2J: LiveKit unreachable\u202e; retrying in 4 s"},
			store.SwitchedToSFU{SFU: "LiveKit", People: 6},
		} {
			eng.actions <- a
		}
		var lines, stats bytes.Buffer
		h := &headless{engine: eng, actions: eng.actions, out: &lines, stats: &stats,
			interval: time.Second, duration: 2500 * time.Millisecond, now: func() time.Time { return time.Now().UTC() }}
		if err := h.run(context.Background()); err != nil {
			t.Fatalf("run: %v", err)
		}
		checkGolden(t, "headless-lines.golden", lines.Bytes())
		checkGolden(t, "stats-json.golden", stats.Bytes())
		checkGolden(t, "summary.golden", []byte(Summary(h.final, time.Now().UTC())))
	})
}

// TestHeadlessNeverConnected: a call in which no peer connected ends with
// ErrNeverConnected, so `--duration` scripts see a failure.
func TestHeadlessNeverConnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{actions: make(chan store.Action, 1)}
		eng.actions <- store.AddPeerConnection{PeerID: "p1", UserName: "Ada"}
		var lines bytes.Buffer
		h := &headless{engine: eng, actions: eng.actions, out: &lines, interval: time.Second, duration: time.Second, now: time.Now}
		if err := h.run(context.Background()); err != ErrNeverConnected {
			t.Fatalf("run: %v, want ErrNeverConnected", err)
		}
	})
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
