package e2e

import (
	"context"
	"image/color"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/demo"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
	"github.com/rtcterm/rtcterm/videoview"
)

// TestDemoVideoView runs two demo bots and a participant whose terminal
// UI has the video sink, all in-process, and drives the UI model by hand:
// after t, each bot's tile must show the bots' test pattern (its colour
// bars) and change over time (the sweeping bar and the clock move).
func TestDemoVideoView(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	d, err := demo.Start(ctx, demo.Config{Bots: 2, Clean: true, Media: &smallMedia, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	env := map[string]string{"COLORTERM": "truecolor", "TERM": "xterm-256color"}
	sink := call.NewVideoSink(call.Output{DrawFPS: 15, Getenv: func(k string) string { return env[k] }}, log)
	defer sink.Close()
	if sink.Mode() != videoview.TrueColor {
		t.Fatalf("mode %v", sink.Mode())
	}
	sess := call.NewSession(call.Config{ServerURL: d.URL(), Room: demo.Room, Name: "Tester", Logger: log, Media: smallMedia}, call.Sinks{Video: sink})
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()
	defer func() {
		_ = sess.Close()
		<-runErr
	}()

	src := call.VideoSource{Sink: sink}
	var m tea.Model = tui.New(tui.Options{Engine: sess, Initial: store.New(), Video: src})
	update := func(msg tea.Msg) {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		runCmds(cmd)
	}
	// Two bots and yourself: whatever the grid's shape at 120×40, a tile is
	// at least (120 - 2 gaps) / 3 columns wide; the test reads that much of
	// each bot's picture.
	const tileWidth = 39
	update(tea.WindowSizeMsg{Width: 120, Height: 40})
	update(tea.KeyPressMsg{Code: 't', Text: "t"})

	// Watch the screen for a while: per bot, the distinct tile contents.
	seen := map[string]map[string]bool{} // bot name -> set of its tile texts
	colours := map[string][]color.RGBA{}
	bars := map[string]map[int]bool{} // bot name -> columns its sweeping white bar was seen at
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	done := func() bool {
		for _, name := range demo.BotNames[:2] {
			if len(seen[name]) < 5 || len(bars[name]) < 3 {
				return false
			}
		}
		return true
	}
	for !done() {
		select {
		case a := <-sess.Actions():
			update(a)
			continue
		case <-sink.Ready():
			update(tui.VideoUpdate{Frames: src.Take()})
			continue
		case <-tick.C:
		case <-deadline:
			for id := range m.(tui.Model).State().Connections {
				st, _ := sink.Stats(id)
				t.Logf("%s: %+v", id, st)
			}
			for _, name := range demo.BotNames[:2] {
				t.Logf("%s: %d distinct pictures, white bar at %v", name, len(seen[name]), bars[name])
			}
			t.Fatalf("tiles did not change enough")
		}
		state := m.(tui.Model).State()
		for _, c := range state.Connections {
			f, ok := frameOf(m.View().Content, c.UserName, tileWidth)
			if !ok {
				continue
			}
			if seen[c.UserName] == nil {
				seen[c.UserName] = map[string]bool{}
			}
			seen[c.UserName][f] = true
			if x, ok := whiteColumn(f); ok {
				if bars[c.UserName] == nil {
					bars[c.UserName] = map[int]bool{}
				}
				bars[c.UserName][x] = true
			}
			colours[c.UserName] = append(colours[c.UserName], truecolours(f)...)
		}
	}
	// The pattern's 75 % bars: yellow, cyan, green, magenta, red, blue.
	bars75 := []color.RGBA{{191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255}, {191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255}}
	for _, name := range demo.BotNames[:2] {
		for _, want := range bars75 {
			if !anyNear(colours[name], want, 40) {
				t.Errorf("%s's tile never shows %v", name, want)
			}
		}
		peerID := ""
		for id, c := range m.(tui.Model).State().Connections {
			if c.UserName == name {
				peerID = id
			}
		}
		st, _ := sink.Stats(peerID)
		t.Logf("%s: %d distinct pictures, bar at %d columns; worker %+v", name, len(seen[name]), len(bars[name]), st)
	}
}

// runCmds runs a command and the commands of any batch it returns; the
// messages are dropped (the test only needs SetTiles to happen).
func runCmds(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if b, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range b {
			runCmds(c)
		}
	}
}

// frameOf finds a tile w cells wide on the screen by the name in its
// title line (" ● name") and returns the picture lines below it, cut to
// the tile's columns, down to the caption.
func frameOf(screen, name string, w int) (string, bool) {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		plain := ansi.Strip(l)
		at := strings.Index(plain, " "+name+" ")
		if at < 0 {
			continue // not the tile's title (the first line naming the peer)
		}
		left := ansi.StringWidth(plain[:at])
		var pic []string
		for _, p := range lines[i+1:] {
			cut := ansi.Cut(p, left, left+w)
			if strings.Contains(ansi.Strip(cut), "no stats") || strings.Contains(ansi.Strip(cut), "RTT") {
				break
			}
			pic = append(pic, cut)
		}
		if strings.Contains(strings.Join(pic, ""), "48;2;") {
			return strings.Join(pic, "\n"), true
		}
	}
	return "", false
}

// whiteColumn is the column of the first white cell (the pattern's
// sweeping bar) in the first picture line that has one.
// nearWhite is a truecolour cell of the sweeping bar; the scaler blends it
// with its neighbours, more so in a narrow tile, so "white" is ≥ 240.
var nearWhite = regexp.MustCompile(`8;2;2[4-5]\d;2[4-5]\d;2[4-5]\dm`)

func whiteColumn(pic string) (int, bool) {
	for _, l := range strings.Split(pic, "\n") {
		loc := nearWhite.FindStringIndex(l)
		if loc == nil {
			continue
		}
		return ansi.StringWidth(l[:loc[1]]), true
	}
	return 0, false
}

var sgrColour = regexp.MustCompile(`[34]8;2;(\d+);(\d+);(\d+)`)

// truecolours lists the colours set in s.
func truecolours(s string) []color.RGBA {
	var out []color.RGBA
	for _, m := range sgrColour.FindAllStringSubmatch(s, -1) {
		r, _ := strconv.Atoi(m[1])
		g, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		out = append(out, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
	}
	return out
}

func anyNear(cs []color.RGBA, want color.RGBA, tol int) bool {
	for _, c := range cs {
		if abs(int(c.R)-int(want.R)) <= tol && abs(int(c.G)-int(want.G)) <= tol && abs(int(c.B)-int(want.B)) <= tol {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
