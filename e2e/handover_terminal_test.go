package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/videoview"
)

// handoverTerminal is an in-process `rtcterm join --fake-media`: the engine
// `join --server` runs (call.NewEngine: the mesh, moving to LiveKit when
// the server says so), with the real player (playback off, levels kept)
// and the real video decoder, given a tile for every row as the terminal
// UI would. A sampler notes when each peer's video packets reached the
// decoder, when its audio packets reached the player and when its audio
// was audible, so the test can measure gaps from outside the engine. The
// engine's log is shown when the test fails (RTCTERM_TEST_LOG=1: always).
type handoverTerminal struct {
	name   string
	eng    call.Engine
	player *devices.Player
	sink   *videoview.Sink
	rec    *testkit.Recorder
	runErr chan error
	stop   chan struct{}
	done   chan struct{} // sample ended
	ldone  chan struct{} // sampleLayers ended
	once   sync.Once

	mu       sync.Mutex
	video    map[string][]time.Time // when the peer's packet count at the decoder changed
	audio    map[string][]time.Time // when the peer's packet count at the player changed
	arrived  map[string][]time.Time // when the peer's video packets pushed to the decoder (handled or dropped) changed
	audible  map[string][]time.Time // when the peer's level was above audibleLevel
	packets  map[string]uint64      // the last counts seen of each
	vpushed  map[string]uint64
	apackets map[string]uint64
	switched time.Time            // when the state first said LiveKit
	layers   map[string][]layerAt // the encoding sent to each peer, as its stats said, when it changed
	ticks    []time.Time          // when the sampler ran: its own stalls are the process's
}

// sampleEvery is the terminal sampler's period: the resolution of its gaps.
const sampleEvery = 20 * time.Millisecond

// audibleLevel is a level only received audio gives: the player's level
// decays by 0.8 every 20 ms without packets, so it falls below this within
// about half a second of the last one.
const audibleLevel = 0.001

// maxSamples bounds each peer's sample list (a test's worth at 50/s).
const maxSamples = 20000

func startHandoverTerminal(t testing.TB, base, room, name string) *handoverTerminal {
	t.Helper()
	logs := testkit.NewSyncWriter()
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("RTCTERM_TEST_LOG") == "1" {
			t.Logf("terminal %s log:\n%s", name, logs)
		}
	})
	cfg := call.Config{ServerURL: "ws" + base[len("http"):] + "/ws", Room: room, Name: name,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Media:  call.Media{Fake: true, Width: 160, Height: 120, FPS: 15, VideoBitrateKbps: 150, NoAudioOut: true}}
	player := devices.NewPlayer(devices.PlayerConfig{Disabled: true})
	sink := videoview.New(videoview.Config{})
	eng := call.NewEngine(cfg, call.Sinks{Player: player, Video: sink})
	tm := &handoverTerminal{name: name, eng: eng, player: player, sink: sink, rec: testkit.NewRecorder(eng.Actions()),
		runErr: make(chan error, 1), stop: make(chan struct{}), done: make(chan struct{}), ldone: make(chan struct{}),
		video: map[string][]time.Time{}, audible: map[string][]time.Time{}, packets: map[string]uint64{},
		audio: map[string][]time.Time{}, apackets: map[string]uint64{}, arrived: map[string][]time.Time{}, vpushed: map[string]uint64{},
		layers: map[string][]layerAt{}}
	go func() { tm.runErr <- eng.Run(context.Background()) }()
	go tm.sample()
	go tm.sampleLayers()
	t.Cleanup(func() { tm.close(t) })
	return tm
}

// sample gives every row a tile and records media arrivals until stop.
func (tm *handoverTerminal) sample() {
	defer close(tm.done)
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	tiles := map[string]videoview.Size{}
	for {
		select {
		case <-tm.stop:
			return
		case <-tick.C:
		}
		now := time.Now()
		s := tm.rec.State()
		want := map[string]videoview.Size{}
		for id := range s.Connections {
			want[id] = videoview.Size{Width: 40, Height: 12}
		}
		if !maps.Equal(want, tiles) {
			tiles = want
			tm.sink.SetTiles(tiles)
			lk := map[string]lkengine.TileSize{}
			for id, sz := range tiles {
				lk[id] = lkengine.TileSize(sz)
			}
			// As the terminal UI does (internal/call/tui.go): LiveKit
			// sends only the video that is drawn.
			if te, ok := tm.eng.(interface {
				SetTiles(map[string]lkengine.TileSize)
			}); ok {
				te.SetTiles(lk)
			}
		}
		tm.mu.Lock()
		tm.ticks = appendBounded(tm.ticks, now)
		if s.SFU != "" && tm.switched.IsZero() {
			tm.switched = now
		}
		for id := range s.Connections {
			// A count that changed is media that arrived: one that fell
			// is a sink that forgot the peer and counts afresh (counting
			// only rises showed that as a gap of many seconds).
			if st, ok := tm.sink.Stats(id); ok {
				if st.Packets != tm.packets[id] {
					tm.packets[id] = st.Packets
					tm.video[id] = appendBounded(tm.video[id], now)
				}
				if n := st.Packets + st.Overflows + st.Undrawn; n != tm.vpushed[id] {
					tm.vpushed[id] = n
					tm.arrived[id] = appendBounded(tm.arrived[id], now)
				}
			}
			if st, ok := tm.player.Stats(id); ok && st.Packets != tm.apackets[id] {
				tm.apackets[id] = st.Packets
				tm.audio[id] = appendBounded(tm.audio[id], now)
			}
			if tm.player.Level(id) > audibleLevel {
				tm.audible[id] = appendBounded(tm.audible[id], now)
			}
		}
		tm.mu.Unlock()
	}
}

func appendBounded(l []time.Time, t time.Time) []time.Time {
	if len(l) >= maxSamples {
		l = l[1:]
	}
	return append(l, t)
}

// layerAt is the encoding sent to a peer from At on: "high", "low",
// "paused" (the mesh holds video back from that peer), "main" (LiveKit).
type layerAt struct {
	At    time.Time
	Layer string
}

// layersEvery is how often sampleLayers reads the stats.
const layersEvery = 500 * time.Millisecond

// sampleLayers notes, from each connected row's stats (what --stats-json
// shows as sendLayer), when the encoding sent to the peer changed, until
// stop: a peer's video that stops at one member only may be the sender's
// mesh holding it back from that member, not the switch. Only with
// RTCTERM_HANDOVER_LAYERS=1: Pion v4.2.26's GetStats races with a close
// of the connection that Pion starts itself (a DTLS handshake that
// failed), which the race detector reports, and this asks for stats twice a
// second per row while connections come and go.
func (tm *handoverTerminal) sampleLayers() {
	defer close(tm.ldone)
	if os.Getenv("RTCTERM_HANDOVER_LAYERS") != "1" {
		return
	}
	tick := time.NewTicker(layersEvery)
	defer tick.Stop()
	for {
		select {
		case <-tm.stop:
			return
		case <-tick.C:
		}
		s := tm.rec.State()
		if s.SFU != "" {
			return // the mesh is closing: the stats are LiveKit's now
		}
		for id, c := range s.Connections {
			if c.Status != store.StatusConnected {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), layersEvery)
			st, err := tm.eng.CollectStats(ctx, id)
			cancel()
			if err != nil || st.SendLayer == "" {
				continue
			}
			layer := st.SendLayer
			if st.VideoPaused {
				layer = "paused"
			}
			tm.mu.Lock()
			l := tm.layers[id]
			if (len(l) == 0 || l[len(l)-1].Layer != layer) && len(l) < maxSamples {
				tm.layers[id] = append(l, layerAt{time.Now(), layer})
			}
			tm.mu.Unlock()
		}
	}
}

// layersSent describes the encodings sent to peer in [from, to], with
// their start relative to from.
func (tm *handoverTerminal) layersSent(peer string, from, to time.Time) string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	var out []string
	for _, l := range tm.layers[peer] {
		if l.At.After(to) {
			break
		}
		out = append(out, fmt.Sprintf("%s from %+.1fs", l.Layer, l.At.Sub(from).Seconds()))
	}
	return strings.Join(out, ", ")
}

// close ends the call and waits for it; safe to call twice.
func (tm *handoverTerminal) close(t testing.TB) {
	tm.once.Do(func() {
		close(tm.stop)
		<-tm.done
		<-tm.ldone
		_ = tm.eng.Close()
		select {
		case err := <-tm.runErr:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: Run: %v", tm.name, err)
			}
		case <-time.After(handoverTimeout):
			t.Errorf("%s: Run did not return", tm.name)
		}
		<-tm.rec.Done()
		_ = tm.sink.Close()
		_ = tm.player.Close()
	})
}

// id is the terminal's own peer id.
func (tm *handoverTerminal) id() string { return tm.rec.State().Signaling.PeerID }

// switchedAt is when the terminal's state first said LiveKit (the mesh's
// connections closed, or a welcome sent it straight there); zero before.
func (tm *handoverTerminal) switchedAt() time.Time {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.switched
}

// videoSince counts the samples after from in which peer's video reached
// the decoder.
func (tm *handoverTerminal) videoSince(peer string, from time.Time) int {
	return len(since(tm.lists(peer, tm.video), from))
}

// audibleSince counts the samples after from in which peer was audible.
func (tm *handoverTerminal) audibleSince(peer string, from time.Time) int {
	return len(since(tm.lists(peer, tm.audible), from))
}

// videoGap is the longest pause of peer's video at the decoder in [from,
// to], counted from its first packet in the window, and when it began.
func (tm *handoverTerminal) videoGap(peer string, from, to time.Time) (time.Duration, time.Time) {
	return longestGap(tm.lists(peer, tm.video), from, to)
}

// arrivalGap is the longest pause of peer's video packets pushed to the
// decoder in [from, to] (handled or dropped), and when it began: a gap
// in videoGap that is not here is the decoder's, not the network's.
func (tm *handoverTerminal) arrivalGap(peer string, from, to time.Time) (time.Duration, time.Time) {
	return longestGap(tm.lists(peer, tm.arrived), from, to)
}

// audioGap is the longest pause of peer's audio at the player in [from,
// to], counted from its first packet in the window, and when it began.
func (tm *handoverTerminal) audioGap(peer string, from, to time.Time) (time.Duration, time.Time) {
	return longestGap(tm.lists(peer, tm.audio), from, to)
}

// longestGap is the longest pause between the samples of l in [from, to]
// and when it began.
func longestGap(l []time.Time, from, to time.Time) (time.Duration, time.Time) {
	var gap time.Duration
	var prev, began time.Time
	for _, at := range since(l, from) {
		if at.After(to) {
			break
		}
		if !prev.IsZero() && at.Sub(prev) > gap {
			gap, began = at.Sub(prev), prev
		}
		prev = at
	}
	return gap, began
}

// stall is the sampler's own longest interval in [from, to]: the gaps
// cannot be told apart from a stall of the test process below it.
func (tm *handoverTerminal) stall(from, to time.Time) time.Duration {
	tm.mu.Lock()
	ticks := append([]time.Time(nil), tm.ticks...)
	tm.mu.Unlock()
	var longest time.Duration
	var prev time.Time
	for _, at := range since(ticks, from) {
		if at.After(to) {
			break
		}
		if !prev.IsZero() {
			longest = max(longest, at.Sub(prev))
		}
		prev = at
	}
	return longest
}

func (tm *handoverTerminal) lists(peer string, m map[string][]time.Time) []time.Time {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]time.Time(nil), m[peer]...)
}

func since(l []time.Time, from time.Time) []time.Time {
	for i, at := range l {
		if at.After(from) {
			return l[i:]
		}
	}
	return nil
}

// connectedTo reports whether the terminal has a connected row of each
// peer id.
func (tm *handoverTerminal) connectedTo(ids ...string) bool {
	s := tm.rec.State()
	for _, id := range ids {
		if c, ok := s.Connections[id]; !ok || c.Status != store.StatusConnected {
			return false
		}
	}
	return true
}

// notices are the server's notices the terminal was shown.
func (tm *handoverTerminal) notices() []store.ServerNotice {
	var out []store.ServerNotice
	for _, a := range tm.rec.Actions() {
		if n, ok := a.(store.ServerNotice); ok {
			out = append(out, n)
		}
	}
	return out
}

// removedRows are the rows the terminal removed.
func (tm *handoverTerminal) removedRows() []string {
	var out []string
	for _, a := range tm.rec.Actions() {
		if r, ok := a.(store.RemovePeerConnection); ok {
			out = append(out, r.PeerID)
		}
	}
	return out
}

// selfIDs are the peer ids the signaling gave the terminal: more than one
// means it rejoined.
func (tm *handoverTerminal) selfIDs() []string {
	var out []string
	for _, a := range tm.rec.Actions() {
		if u, ok := a.(store.UpdateSignaling); ok && u.Signaling.PeerID != "" && (len(out) == 0 || out[len(out)-1] != u.Signaling.PeerID) {
			out = append(out, u.Signaling.PeerID)
		}
	}
	return out
}
