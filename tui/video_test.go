package tui

import (
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtcterm/rtcterm/store"
)

// fakeVideo is a VideoSource that records the tiles it is told about and
// fails the test when Update or View (the engine's guard) calls it.
type fakeVideo struct {
	eng   *fakeEngine
	mu    sync.Mutex
	tiles []map[string]TileSize
	ready chan struct{}
	next  []VideoFrame
	takes int // calls of Take
}

func newFakeVideo(eng *fakeEngine) *fakeVideo {
	return &fakeVideo{eng: eng, ready: make(chan struct{}, 1)}
}

func (v *fakeVideo) SetTiles(t map[string]TileSize) {
	v.eng.mu.Lock()
	if v.eng.guarded {
		v.eng.t.Errorf("VideoSource.SetTiles called from Update or View")
	}
	v.eng.mu.Unlock()
	v.mu.Lock()
	v.tiles = append(v.tiles, maps.Clone(t))
	v.mu.Unlock()
}

func (v *fakeVideo) Ready() <-chan struct{} { return v.ready }

func (v *fakeVideo) Take() []VideoFrame {
	v.mu.Lock()
	defer v.mu.Unlock()
	f := v.next
	v.next = nil
	v.takes++
	return f
}

// offer makes frames available and signals Ready.
func (v *fakeVideo) offer(frames ...VideoFrame) {
	v.mu.Lock()
	v.next = append(v.next, frames...)
	v.mu.Unlock()
	select {
	case v.ready <- struct{}{}:
	default:
	}
}

// taken is how many times Take has been called.
func (v *fakeVideo) taken() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.takes
}

func (v *fakeVideo) lastTiles() map[string]TileSize {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.tiles) == 0 {
		return nil
	}
	return v.tiles[len(v.tiles)-1]
}

func newVideoHarness(t testing.TB, s store.State) (*harness, *fakeVideo) {
	h := newHarness(t, s)
	v := newFakeVideo(h.eng)
	opts := h.m.opts
	opts.Video = v
	h.m = New(opts)
	h.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h, v
}

// testFrame is a frame of sz whose lines say whose it is, in colour, so a
// test can find them on the screen verbatim.
func testFrame(id string, sz TileSize, n int) VideoFrame {
	f := VideoFrame{PeerID: id, Width: sz.Width, Height: sz.Height}
	for y := range sz.Height {
		text := fit(fmt.Sprintf("%s#%d/%d", id, n, y), sz.Width)
		f.Lines = append(f.Lines, "\x1b[38;2;1;2;3m"+text+"\x1b[m")
	}
	return f
}

// framesFor draws a test frame for every tile the source was told about.
func framesFor(tiles map[string]TileSize, n int) []VideoFrame {
	var out []VideoFrame
	for id, sz := range tiles {
		out = append(out, testFrame(id, sz, n))
	}
	return out
}

// TestVideoToggle: t switches to the video grid and back; the grid asks
// the source for the connected peers' tiles and the preview, the stats
// view for none.
func TestVideoToggle(t *testing.T) {
	h, v := newVideoHarness(t, withoutShares(callState(5)))
	if !strings.Contains(ansiStrip(h.view()), "status") {
		t.Fatal("stats table not shown first")
	}
	h.settle(h.key("t"))
	screen := ansiStrip(h.view())
	for _, name := range []string{"Grace", "Ada", "Linus", "Barbara", "Edsger"} {
		if !strings.Contains(screen, name) {
			t.Errorf("no tile for %s:\n%s", name, screen)
		}
	}
	if strings.Contains(screen, "RTT   ↓kbps") {
		t.Errorf("table still shown:\n%s", screen)
	}
	tiles := v.lastTiles()
	// callState(5): p00-p02 connected with video, p03 failed, p04 connecting.
	for _, id := range []string{"p00", "p01", "p02", LocalPreview} {
		if _, ok := tiles[id]; !ok {
			t.Errorf("no tile for %q: %v", id, tiles)
		}
	}
	for _, id := range []string{"p03", "p04"} {
		if _, ok := tiles[id]; ok {
			t.Errorf("%s has no video but got a tile", id)
		}
	}
	if !strings.Contains(screen, "failed") || !strings.Contains(screen, "connecting") {
		t.Errorf("name cards do not say why:\n%s", screen)
	}
	h.settle(h.key("t"))
	if !strings.Contains(ansiStrip(h.view()), "status") {
		t.Fatal("t did not switch back to the table")
	}
	if tiles := v.lastTiles(); len(tiles) != 0 {
		t.Errorf("stats view still wants tiles: %v", tiles)
	}
}

// TestVideoFramesRenderTiles: frames arriving as messages appear in their
// tiles verbatim, frames of unknown peers are ignored, a peer turning its
// camera off shows a name card, and a resize asks for new sizes.
func TestVideoFramesRenderTiles(t *testing.T) {
	h, v := newVideoHarness(t, withoutShares(callState(3)))
	h.update(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.settle(h.key("t"))
	tiles := v.lastTiles()
	h.update(VideoUpdate{Frames: append(framesFor(tiles, 1), testFrame("ghost", TileSize{10, 2}, 1))})
	screen := h.view()
	for id, sz := range tiles {
		f := testFrame(id, sz, 1)
		for _, l := range f.Lines {
			if !strings.Contains(screen, l) {
				t.Fatalf("line %q of %q not on screen:\n%s", l, id, ansiStrip(screen))
			}
		}
	}
	if strings.Contains(screen, "ghost") {
		t.Error("frame of an unknown peer shown")
	}
	checkFits(t, screen, 160, 48)

	h.settle(h.update(store.UpdateRemoteMedia{PeerID: "p01", Audio: true, Video: false}))
	screen = ansiStrip(h.view())
	if strings.Contains(screen, "p01#1") || !strings.Contains(screen, "camera off") {
		t.Errorf("camera off still shows video:\n%s", screen)
	}
	if _, ok := v.lastTiles()["p01"]; ok {
		t.Error("camera off peer still drawn")
	}
	h.settle(h.update(store.UpdateRemoteMedia{PeerID: "p01", Audio: true, Video: true}))
	if screen := ansiStrip(h.view()); strings.Contains(screen, "p01#1") || !strings.Contains(screen, "waiting for video") {
		t.Errorf("camera back on shows the old frame:\n%s", screen)
	}

	h.settle(h.update(tea.WindowSizeMsg{Width: 100, Height: 30}))
	if maps.Equal(v.lastTiles(), tiles) {
		t.Error("resize did not change the tiles")
	}
	// Frames of the old size still fit until new ones arrive.
	checkFits(t, h.view(), 100, 30)
}

// TestRunForwardsVideo: frames the source offers reach the program
// through Run's forwarding goroutine.
func TestRunForwardsVideo(t *testing.T) {
	eng := newFakeEngine(t)
	v := newFakeVideo(eng)
	ctx := t.Context()
	in, keys, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	defer keys.Close()
	opts := Options{Engine: eng, Initial: callState(1), Now: func() time.Time { return t0 }, StatsInterval: 10 * time.Millisecond, Video: v}
	done := make(chan error, 1)
	final := make(chan Model, 1)
	go func() {
		m, err := runModel(ctx, opts, nil, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24))
		final <- m
		done <- err
	}()
	if _, err := keys.Write([]byte("t")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "tiles set", func() bool { return v.lastTiles()["p00"] != (TileSize{}) })
	// The forwarder takes frames and sends them before it takes again: a
	// second Take proves the first update was handed to the program
	// before the keys below are typed.
	n := v.taken()
	v.offer(framesFor(v.lastTiles(), 7)...)
	waitUntil(t, "frames taken", func() bool { return v.taken() > n })
	v.offer()
	waitUntil(t, "the forwarder back for more", func() bool { return v.taken() > n+1 })
	if _, err := keys.Write([]byte("qq")); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done); err != nil {
		t.Fatal(err)
	}
	m := <-final
	if _, ok := m.frames["p00"]; !ok {
		t.Fatalf("frame not forwarded: %v", m.frames)
	}
}

// TestGoldenVideo pins the video grid's layout for 0, 1, 3, 8 and 16
// peers at 80×24, 120×40 and 160×48, with test frames in the tiles, and
// checks that no one is covered: every peer's name is on the screen, and
// every measured peer's RTT figure, and your own tile too.
func TestGoldenVideo(t *testing.T) {
	for _, n := range []int{0, 1, 3, 8, 16} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
			t.Run(fmt.Sprintf("%dpeers_%dx%d", n, size[0], size[1]), func(t *testing.T) {
				s := withoutShares(callState(n))
				h, v := newVideoHarness(t, s)
				h.update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				h.settle(h.key("t"))
				h.update(VideoUpdate{Frames: framesFor(v.lastTiles(), 1)})
				screen := h.view()
				checkFits(t, screen, size[0], size[1])
				plain := ansi.Strip(screen)
				if n > 0 && n <= 8 {
					checkEveryoneShown(t, plain, s)
				}
				golden.RequireEqual(t, plain)
			})
		}
	}
}

// checkEveryoneShown fails unless every peer's name, every connected
// peer's RTT figure and your own tile are on the screen.
func checkEveryoneShown(t *testing.T, plain string, s store.State) {
	t.Helper()
	for _, c := range store.SelectConnections(s) {
		if !strings.Contains(plain, c.UserName) {
			t.Errorf("%s is not on the screen:\n%s", c.UserName, plain)
		}
		if measured(c) && c.Status == store.StatusConnected {
			if rtt := "RTT " + fmtInt(c.Stats.RTTMillis) + " ms"; !strings.Contains(plain, rtt) {
				t.Errorf("%s's %q is not on the screen:\n%s", c.UserName, rtt, plain)
			}
		}
	}
	if !strings.Contains(plain, "Alice (you)") {
		t.Errorf("no tile of your own:\n%s", plain)
	}
}

// TestVideoViewFits: no size, however small, overflows the terminal.
func TestVideoViewFits(t *testing.T) {
	widths := []int{1, 5, 12, 25, 40, 47, 48, 63, 80, 81, 120, 160, 200}
	heights := []int{1, 2, 3, 4, 6, 8, 10, 13, 17, 24, 30, 48, 60}
	for _, n := range []int{0, 1, 2, 3, 5, 9, 16} {
		h, v := newVideoHarness(t, callState(n))
		h.settle(h.key("t"))
		for _, w := range widths {
			for _, ht := range heights {
				h.settle(h.update(tea.WindowSizeMsg{Width: w, Height: ht}))
				h.update(VideoUpdate{Frames: framesFor(v.lastTiles(), 1)})
				checkFits(t, h.view(), w, ht)
			}
		}
	}
}

// TestVideoHostileName: names in tiles are sanitized.
func TestVideoHostileName(t *testing.T) {
	s := callState(1)
	s = store.Reduce(s, store.AddPeerConnection{PeerID: "evil", UserName: "\x1b]52;c;cm0=\x07Mallory\x1b[2J\u202E" + strings.Repeat("A", 500), At: t0})
	s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: "evil", Status: store.StatusConnected, At: t0})
	h, _ := newVideoHarness(t, s)
	h.settle(h.key("t"))
	screen := h.view()
	plain := ansi.Strip(screen)
	if !strings.Contains(plain, "Mallory") || strings.Contains(plain, "\u202E") || strings.Contains(plain, "52;") {
		t.Errorf("name not sanitized:\n%s", plain)
	}
	for _, seq := range escapeSequences(screen) {
		if !strings.HasSuffix(seq, "m") || !strings.HasPrefix(seq, "\x1b[") {
			t.Errorf("non-SGR escape %q on screen", seq)
		}
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestVideoScreenShareFillsGrid: a peer sharing their screen takes the
// grid, the others are named on the strip above it with their marks, Esc
// brings the grid back, and a new share is shown again.
func TestVideoScreenShareFillsGrid(t *testing.T) {
	h, v := newVideoHarness(t, callState(8)) // Linus (p02) and Ken (p06) share
	h.settle(h.key("t"))
	tiles := v.lastTiles()
	if len(tiles) != 1 || tiles["p06"] == (TileSize{}) {
		t.Fatalf("the first sharer in order (Ken) should fill the grid: %v", tiles)
	}
	h.update(VideoUpdate{Frames: framesFor(tiles, 1)})
	screen := h.view()
	checkFits(t, screen, 80, 24)
	plain := ansi.Strip(screen)
	golden.RequireEqual(t, plain)
	for _, name := range []string{"Ada", "Barbara", "Edsger", "Grace", "Linus", "Margaret", "Radia", "you"} {
		if !strings.Contains(plain, name) {
			t.Errorf("%s hidden by the screen share:\n%s", name, plain)
		}
	}
	h.settle(h.key("esc"))
	if len(v.lastTiles()) != 7 { // 6 peers with video (2 have none) and you
		t.Fatalf("esc: want the grid back, got %v", v.lastTiles())
	}
	// Everyone stops sharing, then one starts again: it is shown.
	h.settle(h.update(store.UpdateRemoteMedia{PeerID: "p02", Audio: true, Video: true}))
	h.settle(h.update(store.UpdateRemoteMedia{PeerID: "p06", Audio: true, Video: true}))
	h.settle(h.update(store.UpdateRemoteMedia{PeerID: "p02", Audio: true, Video: true, Screen: true}))
	if tiles := v.lastTiles(); len(tiles) != 1 || tiles["p02"] == (TileSize{}) {
		t.Fatalf("new share not shown: %v", tiles)
	}
}

// TestVideoFocus: f enlarges the selected peer's tile (from the table
// too), ↓ moves the focus to the next peer, Esc goes back to the grid.
func TestVideoFocus(t *testing.T) {
	h, v := newVideoHarness(t, withoutShares(callState(3)))
	h.settle(h.key("f")) // from the stats table: Ada is selected
	if !h.m.videoView {
		t.Fatal("f did not open the video view")
	}
	if tiles := v.lastTiles(); len(tiles) != 1 || tiles["p01"].Width != 80 {
		t.Fatalf("Ada not enlarged: %v", tiles)
	}
	plain := ansiStrip(h.view())
	if !strings.Contains(plain, "Ada enlarged") || !strings.Contains(plain, "Grace") || !strings.Contains(plain, "Linus") {
		t.Errorf("strip does not name the others:\n%s", plain)
	}
	h.settle(h.key("j"))
	if tiles := v.lastTiles(); len(tiles) != 1 || tiles["p00"] == (TileSize{}) {
		t.Fatalf("focus did not follow the selection to Grace: %v", tiles)
	}
	h.settle(h.key("esc"))
	if len(v.lastTiles()) != 4 {
		t.Fatalf("esc: want 3 peers and you, got %v", v.lastTiles())
	}
	h.settle(h.update(keyPress("enter")))
	if len(v.lastTiles()) != 1 {
		t.Fatalf("enter did not focus: %v", v.lastTiles())
	}
}

// TestVideoStaleCells: a frame drawn for a larger or smaller tile than the
// one now shown is cut or blanked to the tile, with the colours reset, so
// nothing of the old picture stays beside it.
func TestVideoStaleCells(t *testing.T) {
	sz := TileSize{Width: 10, Height: 3}
	big := testFrame("p00", TileSize{Width: 20, Height: 5}, 1)
	small := testFrame("p00", TileSize{Width: 4, Height: 1}, 1)
	for _, f := range []VideoFrame{big, small} {
		lines := fitFrame(f, sz)
		if len(lines) != sz.Height {
			t.Fatalf("%d lines, want %d", len(lines), sz.Height)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w != sz.Width {
				t.Errorf("line %q is %d cells, want %d", l, w, sz.Width)
			}
			// Padding after the picture is in the default colours.
			if i := strings.LastIndex(l, "\x1b["); i >= 0 && !strings.HasPrefix(l[i:], ansi.ResetStyle) {
				t.Errorf("line %q ends in a colour, not a reset", l)
			}
		}
	}
	// On screen every grid row is written to the last column.
	h, v := newVideoHarness(t, withoutShares(callState(3)))
	h.settle(h.key("t"))
	h.update(VideoUpdate{Frames: framesFor(v.lastTiles(), 1)})
	h.settle(h.update(tea.WindowSizeMsg{Width: 70, Height: 20}))
	lines := strings.Split(h.view(), "\n")
	for i, l := range lines[1 : len(lines)-3] {
		if w := ansi.StringWidth(l); w != 70 {
			t.Errorf("grid row %d is %d cells, want 70", i, w)
		}
	}
}

// TestGridTilesNeverOverlap: at every size, for any number of peers, with
// and without a screen share, each tile (yours included) lies inside the
// grid and no two tiles share a cell.
func TestGridTilesNeverOverlap(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 9, 12, 16} {
		for _, s := range []store.State{callState(n), withoutShares(callState(n))} {
			h, _ := newVideoHarness(t, s)
			h.settle(h.key("t"))
			for _, w := range []int{40, 63, 80, 100, 120, 160, 200} {
				for _, ht := range []int{10, 17, 24, 30, 40, 48, 60} {
					h.update(tea.WindowSizeMsg{Width: w, Height: ht})
					g := h.m.videoGrid()
					for i, a := range g.tiles {
						if a.x < 0 || a.y < 0 || a.x+a.w > g.w || a.y+a.h > g.h {
							t.Fatalf("%d peers %d×%d: tile %q %+v outside the %d×%d grid", n, w, ht, a.id, a, g.w, g.h)
						}
						for _, b := range g.tiles[i+1:] {
							if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
								t.Fatalf("%d peers %d×%d: tiles %q and %q overlap: %+v %+v", n, w, ht, a.id, b.id, a, b)
							}
						}
					}
				}
			}
		}
	}
}
