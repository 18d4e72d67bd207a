package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// startJoin runs `rtcterm join` with synthetic media and --stats-json on
// stdout, and collects its rows.
func startJoin(t *testing.T, ctx context.Context, base, room, name string) *statsRows {
	t.Helper()
	_, out := startProc(t, ctx, "join", "--server", base, "--room", room, "--name", name,
		"--no-tui", "--fake-media", "--no-audio-out", "--video-size", "320x240", "--fps", "15",
		"--stats-interval", "500ms", "--stats-json", "-")
	return collectStatsRows(out)
}

func connectedWith(name string) func(pageReport) bool {
	return func(r pageReport) bool {
		p, ok := r.peerNamed(name)
		return ok && p.ConnectionState == "connected"
	}
}

// TestBrowserAndTerminalCall puts the web client in headless Chromium and an
// `rtcterm join` in one room of a real `rtcterm serve`: both sides connect,
// media flows both ways, and muting in the browser shows in rtcterm.
func TestBrowserAndTerminalCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := startServe(t, ctx)
	page := openPage(t, "Browser", pageURL(base, "web1", "Browser", ""))
	term := startJoin(t, ctx, base, "web1", "Term")

	r := page.waitFor(t, 20*time.Second, "video decoded and audio received from rtcterm", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.ConnectionState == "connected" && p.FramesDecoded > 0 && p.AudioPackets > 0
	})
	if !r.Local.HasAudio || !r.Local.HasVideo {
		t.Fatalf("the fake camera and microphone were not opened: %q", r.Notice)
	}
	if p, _ := r.peerNamed("Term"); p.Media == nil || !p.Media.Audio || !p.Media.Video {
		t.Errorf("rtcterm's media-state not seen by the browser: %+v", p.Media)
	}
	term.waitFor(t, 10*time.Second, "connected to the browser with its video and audio arriving", func(r statsJSONRow) bool {
		return r.UserName == "Browser" && r.Status == "connected" && r.RecvKbps > 0 && r.FPS > 0 &&
			r.Audio != nil && *r.Audio && r.Video != nil && *r.Video
	})

	// The tile shows it too: connected, with a stats line of measured figures.
	page.waitFor(t, 10*time.Second, "Term's tile connected with RTT and kbps on its stats line", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.TileState == "connected" && strings.Contains(p.StatsLine, "RTT ") &&
			strings.Contains(p.StatsLine, " ms") && strings.Contains(p.StatsLine, "kbps")
	})

	page.setMic(t, false)
	term.waitFor(t, 5*time.Second, "the browser's mute", func(r statsJSONRow) bool {
		return r.UserName == "Browser" && r.Audio != nil && !*r.Audio && r.Video != nil && *r.Video
	})
	page.setCamera(t, false)
	term.waitFor(t, 5*time.Second, "the browser's camera off", func(r statsJSONRow) bool {
		return r.UserName == "Browser" && r.Audio != nil && !*r.Audio && r.Video != nil && !*r.Video
	})
	if errs := page.errors(); len(errs) > 0 {
		t.Errorf("page errors: %q", errs)
	}
}

// TestTwoBrowsersAndTerminalMesh: two browsers and one rtcterm form a full
// mesh — all three pairs connected, seen from every side.
func TestTwoBrowsersAndTerminalMesh(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := startServe(t, ctx)
	ann := openPage(t, "Ann", pageURL(base, "mesh", "Ann", ""))
	term := startJoin(t, ctx, base, "mesh", "Term")
	bob := openPage(t, "Bob", pageURL(base, "mesh", "Bob", ""))

	for _, c := range []struct {
		page  *browserPage
		other string
	}{{ann, "Bob"}, {ann, "Term"}, {bob, "Ann"}, {bob, "Term"}} {
		c.page.waitFor(t, 20*time.Second, "video from "+c.other, func(r pageReport) bool {
			p, ok := r.peerNamed(c.other)
			return ok && p.ConnectionState == "connected" && p.FramesDecoded > 0
		})
	}
	for _, name := range []string{"Ann", "Bob"} {
		term.waitFor(t, 10*time.Second, "connected to "+name, func(r statsJSONRow) bool {
			return r.UserName == name && r.Status == "connected" && r.RecvKbps > 0
		})
	}
	for _, p := range []*browserPage{ann, bob} {
		if errs := p.errors(); len(errs) > 0 {
			t.Errorf("page %s errors: %q", p.name, errs)
		}
	}
}
