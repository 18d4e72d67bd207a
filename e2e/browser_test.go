package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers for tests that put the web client (server/web) in a real headless
// Chromium. The page reports its state to a small HTTP endpoint the test
// runs (the &report= URL parameter) and runs the commands the test queues
// in the replies, so no browser driver is needed.

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

// startChromium opens url in a headless Chromium of its own (headless mode
// takes one URL), killed with its whole process group when the test ends.
func startChromium(t testing.TB, url string) {
	t.Helper()
	bin := chromiumPath(t)
	dir, err := os.MkdirTemp("", "rtcterm-chromium")
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), chromiumFlags...), "--user-data-dir="+dir)
	cmd := exec.Command(bin, append(args, url)...)
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

// pageReport is what the web client POSTs to the report URL.
type pageReport struct {
	Name       string `json:"name"`
	Room       string `json:"room"`
	SelfID     string `json:"selfId"`
	Signaling  string `json:"signaling"`
	Welcomes   int    `json:"welcomes"`
	Notice     string `json:"notice"`
	MediaError string `json:"mediaError"`
	Local      struct {
		Audio, Video, Screen bool
		HasAudio             bool `json:"hasAudio"`
		HasVideo             bool `json:"hasVideo"`
	} `json:"local"`
	Errors []string   `json:"errors"`
	Peers  []pagePeer `json:"peers"`
}

// pagePeer is one remote peer as the page sees it.
type pagePeer struct {
	PeerID               string      `json:"peerId"`
	UserName             string      `json:"userName"`
	Offerer              bool        `json:"offerer"`
	ConnectionState      string      `json:"connectionState"`
	OfferToConnectedMs   *float64    `json:"offerToConnectedMs"`
	Negotiations         int         `json:"negotiations"`
	LocalUfrag           string      `json:"localUfrag"`
	Media                *mediaFlags `json:"media"`
	FramesDecoded        int64       `json:"framesDecoded"`
	AudioPacketsReceived int64       `json:"audioPacketsReceived"`
	RecvKbps             float64     `json:"recvKbps"`
	SendKbps             float64     `json:"sendKbps"`
}

// mediaFlags is a media-state as the page last heard it.
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

// reportHub is the test's endpoint the pages report to, one path per page.
type reportHub struct {
	srv   *httptest.Server
	mu    sync.Mutex
	pages map[string]*browserPage
}

// browserPage is the latest report of one page and the commands waiting
// for its next report.
type browserPage struct {
	name     string
	mu       sync.Mutex
	last     pageReport
	seen     bool
	commands []map[string]any
}

func newReportHub(t testing.TB) *reportHub {
	h := &reportHub{pages: map[string]*browserPage{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *reportHub) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	name, ok := strings.CutPrefix(r.URL.Path, "/r/")
	if r.Method != http.MethodPost || !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var rep pageReport
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := h.page(name)
	p.mu.Lock()
	p.last, p.seen = rep, true
	cmds := p.commands
	p.commands = nil
	p.mu.Unlock()
	if cmds == nil {
		cmds = []map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"commands": cmds})
}

// page returns the page reporting under name.
func (h *reportHub) page(name string) *browserPage {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.pages[name]
	if !ok {
		p = &browserPage{name: name}
		h.pages[name] = p
	}
	return p
}

// pageURL is the web client's address on the server at base, joining room
// as name and reporting to the hub; fragment (e.g. "token=...") is optional.
func (h *reportHub) pageURL(base, room, name, fragment string) string {
	q := url.Values{"room": {room}, "name": {name}, "report": {h.srv.URL + "/r/" + url.PathEscape(name)}}
	u := strings.TrimSuffix(base, "/") + "/?" + q.Encode()
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}

// command queues a command for the page's next report.
func (p *browserPage) command(c map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.commands = append(p.commands, c)
}

// report returns the latest report and whether there was one.
func (p *browserPage) report() (pageReport, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.seen
}

// waitFor polls the page's reports until cond holds, failing the test
// with what the page last said after timeout.
func (p *browserPage) waitFor(t testing.TB, timeout time.Duration, what string, cond func(pageReport) bool) pageReport {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r, ok := p.report()
		if ok && cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(r, "", "  ")
			t.Fatalf("page %s: %s not within %v; last report (seen=%v):\n%s", p.name, what, timeout, ok, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

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

// waitFor polls until a row satisfies cond.
func (s *statsRows) waitFor(t testing.TB, timeout time.Duration, what string, cond func(statsJSONRow) bool) statsJSONRow {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		rows := append([]statsJSONRow(nil), s.rows...)
		s.mu.Unlock()
		for _, r := range rows {
			if cond(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			var last bytes.Buffer
			for _, r := range rows[max(0, len(rows)-6):] {
				b, _ := json.Marshal(r)
				last.Write(append(b, '\n'))
			}
			t.Fatalf("rtcterm: %s not within %v; last rows:\n%s", what, timeout, last.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
