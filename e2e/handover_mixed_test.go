package e2e

import (
	"bufio"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
)

// Issue #13 end to end on the real v1.1 server (no front): terminals (the
// engine of `rtcterm join`, in process) and browsers (the web client in
// Chromium) in one room that the server moves to a real livekit-server.

// startHandoverServer runs the signaling server as `rtcterm serve
// --livekit-url lkURL ... --sfu-at at` configures it: the web client whose
// policy admits lkURL, rooms moving there at at members. Its log is shown
// when the test fails.
func startHandoverServer(t *testing.T, lkURL, key, secret string, at int) testkit.Server {
	t.Helper()
	page, err := web.New(web.Config{LiveKitURL: lkURL})
	if err != nil {
		t.Fatal(err)
	}
	logs := testkit.NewSyncWriter()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("signaling server log:\n%s", logs)
		}
	})
	return testkit.StartServer(t, server.Config{
		Static: page,
		SFU:    server.LiveKit{URL: lkURL, APIKey: key, APISecret: secret},
		SFUURL: lkURL, SFUAt: at,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
}

// metric reads one sample of the server's /metrics (0 when absent).
func metric(t *testing.T, base, sample string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", sample, err)
			}
			return f
		}
	}
	return 0
}

// meshWith: the page has a connected mesh tile of each name, playing video
// and audio.
func meshWith(names ...string) func(pageReport) bool {
	return func(r pageReport) bool {
		for _, n := range names {
			p, ok := r.peerNamed(n)
			if !ok || p.Transport != "mesh" || p.ConnectionState != "connected" || p.TileFramesDecoded < 10 || p.TileAudioPackets < 20 {
				return false
			}
		}
		return true
	}
}

// others are the names in names other than self.
func others(names []string, self string) []string {
	var out []string
	for _, n := range names {
		if n != self {
			out = append(out, n)
		}
	}
	return out
}

// pageGaps is a page's longest silence per peer id since watchGaps.
type pageGaps struct {
	Peers map[string]struct {
		Audio, Video           float64 // longest silence, ms
		AudioStall, VideoStall float64 // the page's sampler's longest interval within it, ms
		AudioAt, VideoAt       float64 // when it began, ms since the epoch
		AudioVia, VideoVia     string  // the tile's transport then
	}
	TickMaxMs float64
}

// TestHandoverMixedRoomGrowsToLiveKit: two terminals and a browser on the mesh
// are joined by a second browser and a third terminal; at five the
// server moves the room (--sfu-at 5) and every member ends on LiveKit with
// audio and video from every other, without rejoining: terminals keep
// their peer id and rows, pages their peer id and welcome. Each member's
// longest audio and video gaps during the switch are logged (figures, not
// asserted: the audio handover's own bound is asserted in internal/call).
// The server counts five sfu-joined and one room on the SFU. A browser
// joining afterwards goes straight to LiveKit (no mesh connection) and
// everyone gets its media.
func TestHandoverMixedRoomGrowsToLiveKit(t *testing.T) {
	chromiumPath(t)
	if testkit.RerunInOwnNetns(t) {
		return
	}
	start := time.Now()
	lk := testkit.StartLiveKit(t, lkHTTPPort, lkUDPPort)
	srv := startHandoverServer(t, lk.URL, lk.Key, lk.Secret, 5)
	t.Logf("livekit-server up after %v", time.Since(start).Round(time.Millisecond))
	const room = "mixed"

	tara := startHandoverTerminal(t, srv.Base, room, "Tara")
	theo := startHandoverTerminal(t, srv.Base, room, "Theo")
	bea := openPage(t, "Bea", pageURL(srv.Base, room, "Bea", ""))
	names := []string{"Tara", "Theo", "Bea"}
	ids := map[string]string{}
	beaR := bea.waitFor(t, handoverTimeout, "a mesh of three", meshWith(others(names, "Bea")...))
	ids["Bea"] = beaR.SelfID
	ids["Tara"], ids["Theo"] = tara.id(), theo.id()
	terms := []*handoverTerminal{tara, theo}
	meshOf := func(names []string) func() bool {
		return func() bool {
			for _, tm := range terms {
				var want []string
				for _, n := range others(names, tm.name) {
					want = append(want, ids[n])
				}
				if !tm.connectedTo(want...) {
					return false
				}
			}
			return true
		}
	}
	testkit.Eventually(t, handoverTimeout, "the terminals on a mesh of three", meshOf(names))

	ben := openPage(t, "Ben", pageURL(srv.Base, room, "Ben", ""))
	names = append(names, "Ben")
	pages := []*browserPage{bea, ben}
	ids["Ben"] = ben.waitFor(t, handoverTimeout, "a mesh of four", meshWith(others(names, "Ben")...)).SelfID
	bea.waitFor(t, handoverTimeout, "a mesh of four", meshWith(others(names, "Bea")...))
	testkit.Eventually(t, handoverTimeout, "the terminals on a mesh of four", meshOf(names))
	steady := time.Now()
	t.Logf("a mesh of four after %v", steady.Sub(start).Round(time.Millisecond))
	testkit.Eventually(t, handoverTimeout, "the terminals receiving video from the mesh", func() bool {
		for _, tm := range terms {
			for _, n := range others(names, tm.name) {
				if tm.videoSince(ids[n], steady) < 10 {
					return false
				}
			}
		}
		return true
	})
	for _, tm := range terms {
		if s := tm.rec.State(); s.SFU != "" {
			t.Fatalf("%s is on %s with four people", tm.name, s.SFU)
		}
	}

	// The fifth member: the server moves the room.
	for _, pg := range pages {
		pg.do(t, "watch media gaps", "window.__rtcProbe.watchGaps()")
	}
	switchAt := time.Now()
	tom := startHandoverTerminal(t, srv.Base, room, "Tom")
	terms = append(terms, tom)
	names = append(names, "Tom")
	testkit.Eventually(t, handoverTimeout, "Tom's peer id", func() bool { return tom.id() != "" })
	ids["Tom"] = tom.id()
	for _, tm := range terms {
		testkit.Eventually(t, handoverTimeout, tm.name+" on LiveKit, its mesh closed", func() bool { return !tm.switchedAt().IsZero() })
		t.Logf("%s: mesh closed, on LiveKit %v after Tom joined", tm.name, tm.switchedAt().Sub(switchAt).Round(time.Millisecond))
	}
	for _, pg := range pages {
		r := pg.waitFor(t, handoverTimeout, "everyone over LiveKit", func(r pageReport) bool {
			if r.Mode != "moved to LiveKit: 5 people" {
				return false
			}
			for _, n := range others(names, pg.name) {
				if !onLiveKitWithMedia(r, n) {
					return false
				}
			}
			return len(r.Peers) == 4
		})
		if r.Welcomes != 1 {
			t.Errorf("page %s was welcomed %d times: it rejoined", pg.name, r.Welcomes)
		}
		t.Logf("page %s: everyone over LiveKit with media %v after Tom joined", pg.name, time.Since(switchAt).Round(time.Millisecond))
	}
	// Media both ways: every terminal decodes every other member's video
	// and hears their audio after its mesh closed (so through LiveKit).
	testkit.Eventually(t, handoverTimeout, "every terminal receiving everyone through LiveKit", func() bool {
		for _, tm := range terms {
			after := tm.switchedAt().Add(time.Second) // the level of mesh audio has decayed by then
			for _, n := range others(names, tm.name) {
				if tm.videoSince(ids[n], after) < 20 || tm.audibleSince(ids[n], after) < 5 {
					return false
				}
			}
		}
		return true
	})
	end := time.Now()
	t.Logf("every terminal receives everyone through LiveKit %v after Tom joined", end.Sub(switchAt).Round(time.Millisecond))
	testkit.Eventually(t, handoverTimeout, "five sfu-joined counted by the server", func() bool {
		return metric(t, srv.Base, "rtcterm_signal_sfu_switched_members_total") >= 5
	})
	if n := metric(t, srv.Base, `rtcterm_signal_rooms_by_mode{mode="sfu"}`); n != 1 {
		t.Errorf("rooms on the SFU: %v, want 1", n)
	}

	// Nobody rejoined: same peer ids, same rows.
	for _, tm := range terms {
		if got := tm.selfIDs(); len(got) != 1 {
			t.Errorf("%s had peer ids %v: it rejoined", tm.name, got)
		}
		if rm := tm.removedRows(); len(rm) != 0 {
			t.Errorf("%s removed rows %v during the switch", tm.name, rm)
		}
		for _, n := range others(names, tm.name) {
			if c, ok := tm.rec.State().Connections[ids[n]]; !ok || c.UserName != n {
				t.Errorf("%s: no row of %s (%s) after the switch", tm.name, n, ids[n])
			}
		}
	}

	// The figures: each member's longest gap of every other's media from
	// Tom's join until all had everyone over LiveKit, then the same over
	// ten seconds of the settled LiveKit call, for comparison: on a loaded
	// machine most of a gap is every process starved at once (the
	// sampler's own stall within each gap says how much), not the switch.
	// Pages: the tile's tracks' last-packet times (audio and video,
	// sampled every 100 ms); terminals: packets reaching the player and
	// the video decoder (sampled every 20 ms; Tom's count from his first
	// packet, as he joined at the switch).
	logGaps(t, "during the switch", pages, terms, names, ids, switchAt, end)
	for _, pg := range pages {
		pg.do(t, "watch media gaps", "window.__rtcProbe.watchGaps()")
	}
	settled := time.Now()
	testkit.Eventually(t, handoverTimeout, "ten seconds of the call on LiveKit", func() bool { return time.Since(settled) > 10*time.Second })
	logGaps(t, "on the settled LiveKit call", pages, terms, names, ids, settled, time.Now())

	// A browser joining now goes straight to LiveKit.
	cyAt := time.Now()
	cy := openPage(t, "Cy", pageURL(srv.Base, room, "Cy", ""))
	cyR := cy.waitFor(t, handoverTimeout, "everyone over LiveKit", func(r pageReport) bool {
		for _, n := range names {
			if !onLiveKitWithMedia(r, n) {
				return false
			}
		}
		return r.Mode == "moved to LiveKit: 6 people"
	})
	ids["Cy"] = cyR.SelfID
	t.Logf("Cy's page receives everyone over LiveKit %v after it opened", time.Since(cyAt).Round(time.Millisecond))
	if n := len(cy.connections(t)); n > 2 {
		t.Errorf("Cy made %d connections, want LiveKit's two (no mesh)", n)
	}
	for _, pg := range pages {
		pg.waitFor(t, handoverTimeout, "Cy over LiveKit", func(r pageReport) bool { return onLiveKitWithMedia(r, "Cy") })
	}
	t.Logf("the pages receive Cy %v after its page opened", time.Since(cyAt).Round(time.Millisecond))
	joined := time.Now()
	for _, tm := range terms {
		testkit.Eventually(t, handoverTimeout, tm.name+" hearing Cy", func() bool { return tm.audibleSince(ids["Cy"], joined) >= 5 })
		heard := time.Since(cyAt)
		testkit.Eventually(t, handoverTimeout, tm.name+" decoding Cy's video", func() bool { return tm.videoSince(ids["Cy"], joined) >= 10 })
		t.Logf("terminal %s hears Cy %v and sees Cy %v after its page opened", tm.name, heard.Round(time.Millisecond), time.Since(cyAt).Round(time.Millisecond))
	}
	t.Logf("every member receives Cy %v after its page opened", time.Since(cyAt).Round(time.Millisecond))
	testkit.Eventually(t, handoverTimeout, "six sfu-joined counted by the server", func() bool {
		return metric(t, srv.Base, "rtcterm_signal_sfu_switched_members_total") >= 6
	})
	noExceptions(t, bea, ben, cy)
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}

// TestHandoverMixedRoomStaysOnMeshWhenLiveKitIsDown: the server cannot reach
// LiveKit when the room reaches its switch point (--sfu-at 2): the room
// stays on the mesh with media flowing both ways, and both the terminal
// and the browser show the server's notice of why.
func TestHandoverMixedRoomStaysOnMeshWhenLiveKitIsDown(t *testing.T) {
	chromiumPath(t)
	srv := startHandoverServer(t, "ws://"+unusedPort(t), testkit.LiveKitKey, testkit.LiveKitSecret, 2)
	const room = "down"
	tess := startHandoverTerminal(t, srv.Base, room, "Tess")
	bill := openPage(t, "Bill", pageURL(srv.Base, room, "Bill", ""))
	const want = "staying on the mesh: LiveKit unreachable"
	r := bill.waitFor(t, handoverTimeout, "the server's notice", func(r pageReport) bool { return strings.HasPrefix(r.Mode, want) })
	t.Logf("Bill's page says: %s", r.Mode)
	testkit.Eventually(t, handoverTimeout, "Tess shown the notice", func() bool {
		for _, n := range tess.notices() {
			if n.Level == "warn" && strings.HasPrefix(n.Message, want) && strings.Contains(n.Message, "retrying in") {
				return true
			}
		}
		return false
	})
	t.Logf("Tess was told: %s", tess.notices()[0].Message)

	// The mesh carries media both ways, and keeps doing so.
	r = bill.waitFor(t, handoverTimeout, "Tess on the mesh", meshWith("Tess"))
	billID := r.SelfID
	p, _ := r.peerNamed("Tess")
	bill.waitFor(t, handoverTimeout, "Tess's media still coming over the mesh", func(r pageReport) bool {
		q, ok := r.peerNamed("Tess")
		return ok && q.Transport == "mesh" && q.TileFramesDecoded > p.TileFramesDecoded+30 && q.TileAudioPackets > p.TileAudioPackets+50
	})
	now := time.Now()
	testkit.Eventually(t, handoverTimeout, "Bill's media at Tess over the mesh", func() bool {
		return tess.connectedTo(billID) && tess.videoSince(billID, now) > 20 && tess.audibleSince(billID, now) > 5
	})
	if s := tess.rec.State(); s.SFU != "" {
		t.Errorf("Tess is on %s", s.SFU)
	}
	if n := len(bill.connections(t)); n != 1 {
		t.Errorf("Bill has %d connections, want the mesh's one", n)
	}
	if n := metric(t, srv.Base, `rtcterm_signal_rooms_by_mode{mode="sfu"}`); n != 0 {
		t.Errorf("rooms on the SFU: %v, want 0", n)
	}
	noExceptions(t, bill)
}

// logGaps logs each member's longest gap of every other's audio and video
// in [from, to] (the pages' since their last watchGaps), with how long
// the member's sampler itself stalled within it.
func logGaps(t *testing.T, what string, pages []*browserPage, terms []*handoverTerminal, names []string, ids map[string]string, from, to time.Time) {
	t.Helper()
	for _, pg := range pages {
		var g pageGaps
		if err := pg.cdp.eval("window.__rtcProbe.gapReport()", &g); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, n := range others(names, pg.name) {
			gp := g.Peers[ids[n]]
			rel := func(ms float64) time.Duration {
				return time.UnixMilli(int64(ms)).Sub(from).Round(100 * time.Millisecond)
			}
			parts = append(parts, fmt.Sprintf("%s audio %.0f ms (from +%v on %s, sampler stalled %.0f ms of it) video %.0f ms (from +%v on %s, stalled %.0f ms)", n,
				gp.Audio, rel(gp.AudioAt), gp.AudioVia, gp.AudioStall, gp.Video, rel(gp.VideoAt), gp.VideoVia, gp.VideoStall))
		}
		t.Logf("gaps %s at page %s (longest sampling interval %.0f ms): %s", what, pg.name, g.TickMaxMs, strings.Join(parts, "; "))
	}
	for _, tm := range terms {
		within := func(began time.Time, gap time.Duration) time.Duration {
			return tm.stall(began.Add(-time.Nanosecond), began.Add(gap))
		}
		var parts []string
		for _, n := range others(names, tm.name) {
			ag, abegan := tm.audioGap(ids[n], from, to)
			vg, vbegan := tm.videoGap(ids[n], from, to)
			pg, _ := tm.arrivalGap(ids[n], from, to)
			st, _ := tm.sink.Stats(ids[n])
			parts = append(parts, fmt.Sprintf("%s audio %v (from +%v, sampler stalled %v of it) video %v (from +%v, stalled %v; arrivals %v; overflows %d, key frames asked %d, decoders %d)", n,
				ag.Round(time.Millisecond), abegan.Sub(from).Round(100*time.Millisecond), within(abegan, ag).Round(time.Millisecond),
				vg.Round(time.Millisecond), vbegan.Sub(from).Round(100*time.Millisecond), within(vbegan, vg).Round(time.Millisecond),
				pg.Round(time.Millisecond), st.Overflows, st.KeyFrameAsks, st.DecoderOpens))
		}
		t.Logf("gaps %s at terminal %s (longest sampling interval %v): %s", what, tm.name, tm.stall(from, to).Round(time.Millisecond), strings.Join(parts, "; "))
		var sent []string
		for _, n := range others(names, tm.name) {
			if l := tm.layersSent(ids[n], from, to); l != "" {
				sent = append(sent, fmt.Sprintf("to %s: %s", n, l))
			}
		}
		if len(sent) > 0 {
			t.Logf("video %s sent by terminal %s over the mesh: %s", what, tm.name, strings.Join(sent, "; "))
		}
	}
}
