package e2e

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

// Helpers for tests that put the web client (server/web) in a real headless
// Chromium, driven through the DevTools protocol (cdp_test.go): the test
// installs testdata/page_probe.js before the page loads, reads what the page
// shows and its connections' getStats(), and clicks the page's own buttons.
// The product page has no test hook and talks only to its own origin.

// chromiumFlags are the flags that work headless, as root, with a fake
// camera and microphone, on loopback only (../shared/notes/testing-recipes.md).
var chromiumFlags = []string{
	"--headless=new", "--no-sandbox",
	"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
	"--allow-loopback-in-peer-connection",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--no-first-run", "--disable-crash-reporter", "--disable-breakpad",
	"--autoplay-policy=no-user-gesture-required",
	"--disable-gpu", "--mute-audio",
}

// chromiumPath finds Chromium. Under `make test` (RTCTERM_REQUIRE_CHROMIUM
// set) a missing browser fails the test; elsewhere it skips.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test (-short)")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RTCTERM_REQUIRE_CHROMIUM") != "" {
		t.Fatal("Chromium is not installed (scripts/deps.sh test installs it)")
	}
	t.Skip("Chromium not installed")
	return ""
}

// startChromium runs a headless Chromium of its own on about:blank with
// DevTools on a free port, killed with its whole process group when the
// test ends, and returns its user-data-dir (where DevToolsActivePort
// appears).
func startChromium(t testing.TB) string {
	t.Helper()
	bin := chromiumPath(t)
	dir, err := os.MkdirTemp("", "rtcterm-chromium")
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), chromiumFlags...), "--user-data-dir="+dir, "--remote-debugging-port=0", "about:blank")
	cmd := exec.Command(bin, args...)
	// Its own process group, so the cleanup reaches every helper process;
	// and killed with the test binary should that die first (e.g. timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var logs limitedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
		if t.Failed() {
			t.Logf("chromium output (last %d bytes):\n%s", logs.max(), logs.String())
		}
	})
	return dir
}

// limitedBuffer keeps the last 16 KiB written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *limitedBuffer) max() int { return 16 << 10 }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max(); over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// probeScript runs in every page before the web client's own scripts.
//
//go:embed testdata/page_probe.js
var probeScript string

// pageReport is a snapshot of a page (window.__rtcProbe.snapshot()): what
// its user sees, plus facts the probe read from the page's connections.
type pageReport struct {
	Status        string `json:"status"`
	Notice        string `json:"notice"`
	Mode          string `json:"mode"` // the call's mode line: LiveKit, or the server's notice
	JoinFormShown bool   `json:"joinFormShown"`
	SelfID        string `json:"selfId"` // from the last welcome
	Welcomes      int    `json:"welcomes"`
	Signaling     string `json:"signaling"`
	Local         struct {
		HasAudio bool `json:"hasAudio"` // the microphone was opened
		HasVideo bool `json:"hasVideo"` // the camera was opened
		Audio    bool `json:"audio"`    // the mic button is on
		Video    bool `json:"video"`    // the camera button is on
	} `json:"local"`
	Peers []pagePeer `json:"peers"`
}

// pagePeer is one remote peer's tile and the connection behind it.
type pagePeer struct {
	PeerID    string      `json:"peerId"`
	UserName  string      `json:"userName"`
	TileState string      `json:"tileState"` // the state the tile shows
	Media     *mediaFlags `json:"media"`     // nil until a media-state arrived
	StatsLine string      `json:"statsLine"`
	Transport string      `json:"transport"` // mesh, livekit, both (handing over), ""
	// What the tile plays, counted on exactly its tracks' receivers.
	TileFramesDecoded  int64    `json:"tileFramesDecoded"`
	TileAudioPackets   int64    `json:"tileAudioPackets"`
	TileVideoTrack     string   `json:"tileVideoTrack"` // the id of the video track the tile plays
	Offerer            bool     `json:"offerer"`
	ConnectionState    string   `json:"connectionState"`
	OfferToConnectedMs *float64 `json:"offerToConnectedMs"`
	Negotiations       int      `json:"negotiations"`
	LocalUfrag         string   `json:"localUfrag"`
	FramesDecoded      int64    `json:"framesDecoded"`
	AudioPackets       int64    `json:"audioPacketsReceived"`
	// Chromium's send-side estimate toward the peer (bits/s), which it
	// has only with transport-wide feedback from the peer.
	AvailableOutgoingBitrate float64 `json:"availableOutgoingBitrate"`
	RemoteOffersTransportCC  bool    `json:"remoteOffersTransportCC"`
}

// mediaFlags are a peer's media switches as its tile shows them.
type mediaFlags struct {
	Audio, Video, Screen bool
}

// peerNamed returns the page's peer with that user name.
func (r pageReport) peerNamed(name string) (pagePeer, bool) {
	for _, p := range r.Peers {
		if p.UserName == name {
			return p, true
		}
	}
	return pagePeer{}, false
}

// browserPage is the web client in a Chromium of its own, under DevTools.
type browserPage struct {
	name string
	cdp  *cdpConn
}

// pageURL is the web client's address on the server at base, joining room
// as name; fragment (e.g. "token=...") is optional.
func pageURL(base, room, name, fragment string) string {
	q := url.Values{"room": {room}, "name": {name}}
	u := strings.TrimSuffix(base, "/") + "/?" + q.Encode()
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}

// openPage starts a Chromium, installs the probe and opens pageURL in it.
func openPage(t testing.TB, name, pageURL string) *browserPage {
	t.Helper()
	dir := startChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialCDP(ctx, devToolsPage(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close) // before Chromium is killed: cleanups run last-in first
	for _, step := range []struct {
		method string
		params any
	}{
		{"Runtime.enable", nil},
		{"Page.enable", nil},
		{"Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": probeScript}},
		{"Page.navigate", map[string]any{"url": pageURL}},
	} {
		if _, err := c.call(step.method, step.params); err != nil {
			t.Fatalf("page %s: %v", name, err)
		}
	}
	return &browserPage{name: name, cdp: c}
}

// report takes a snapshot of the page.
func (p *browserPage) report() (pageReport, error) {
	var r pageReport
	err := p.cdp.eval("window.__rtcProbe ? window.__rtcProbe.snapshot() : null", &r)
	return r, err
}

// waitFor takes snapshots until cond holds, failing the test with the last
// one after timeout.
func (p *browserPage) waitFor(t testing.TB, timeout time.Duration, what string, cond func(pageReport) bool) pageReport {
	t.Helper()
	var last pageReport
	var lastErr error
	done := false
	defer func() {
		if !done { // Eventually failed the test: show what the page last said
			b, _ := json.MarshalIndent(last, "", "  ")
			t.Logf("page %s: last snapshot (error %v):\n%s\nlogs: %q", p.name, lastErr, b, p.cdp.pageLogs())
		}
	}()
	testkit.Eventually(t, timeout, "page "+p.name+": "+what, func() bool {
		r, err := p.report()
		if err != nil {
			lastErr = err
			return false
		}
		last = r
		return cond(r)
	})
	done = true
	return last
}

// do runs a user action (or a probe call) in the page and fails the test
// if it throws.
func (p *browserPage) do(t testing.TB, what, expression string) {
	t.Helper()
	if err := p.cdp.eval(expression, nil); err != nil {
		t.Fatalf("page %s: %s: %v", p.name, what, err)
	}
}

// setToggle clicks a call button (mic, cam) if it is not already in the
// wanted state, exactly as a user would.
func (p *browserPage) setToggle(t testing.TB, id string, on bool) {
	t.Helper()
	var pressed string
	expr := fmt.Sprintf(`(() => {
		const b = document.getElementById(%q);
		if (b.disabled) throw new Error('button %s is disabled');
		if ((b.getAttribute('aria-pressed') === 'true') !== %t) b.click();
		return b.getAttribute('aria-pressed');
	})()`, id, id, on)
	if err := p.cdp.eval(expr, &pressed); err != nil {
		t.Fatalf("page %s: click %s: %v", p.name, id, err)
	}
	if pressed != strconv.FormatBool(on) {
		t.Fatalf("page %s: %s button shows aria-pressed=%s after the click, want %v", p.name, id, pressed, on)
	}
}

func (p *browserPage) setMic(t testing.TB, on bool)    { t.Helper(); p.setToggle(t, "mic", on) }
func (p *browserPage) setCamera(t testing.TB, on bool) { t.Helper(); p.setToggle(t, "cam", on) }

// rejoin clicks Leave, then Join on the form the page shows with the room
// and name already filled in.
func (p *browserPage) rejoin(t testing.TB) {
	t.Helper()
	p.do(t, "leave and join again", `(() => {
		document.getElementById('leave').click();
		const form = document.getElementById('join');
		if (form.hidden) throw new Error('no join form after leaving');
		form.querySelector('button[type=submit]').click();
	})()`)
}

// errors is what the page logged as warnings, errors or exceptions.
func (p *browserPage) errors() []string { return p.cdp.pageLogs() }

// statsJSONRow is the part of an `rtcterm join --stats-json` row the
// browser tests read.
type statsJSONRow struct {
	PeerID, UserName, Status string
	RecvKbps, FPS            float64
	Audio, Video, Screen     *bool
}

// statsRows collects the rows of a join process's stdout.
type statsRows struct {
	mu   sync.Mutex
	rows []statsJSONRow
}

func collectStatsRows(lines <-chan string) *statsRows {
	s := &statsRows{}
	go func() {
		for line := range lines {
			var r statsJSONRow
			if json.Unmarshal([]byte(line), &r) != nil {
				continue
			}
			s.mu.Lock()
			s.rows = append(s.rows, r)
			s.mu.Unlock()
		}
	}()
	return s
}

// waitFor waits until a row satisfies cond.
func (s *statsRows) waitFor(t testing.TB, timeout time.Duration, what string, cond func(statsJSONRow) bool) statsJSONRow {
	t.Helper()
	var found statsJSONRow
	var rows []statsJSONRow
	done := false
	defer func() {
		if !done { // Eventually failed the test: show the last rows
			var last bytes.Buffer
			for _, r := range rows[max(0, len(rows)-6):] {
				b, _ := json.Marshal(r)
				last.Write(append(b, '\n'))
			}
			t.Logf("rtcterm: last rows:\n%s", last.String())
		}
	}()
	testkit.Eventually(t, timeout, "rtcterm: "+what, func() bool {
		s.mu.Lock()
		rows = append(rows[:0], s.rows...)
		s.mu.Unlock()
		for _, r := range rows {
			if cond(r) {
				found = r
				return true
			}
		}
		return false
	})
	done = true
	return found
}
