package e2e

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
)

// Issue #13, the browser side: the web client moves from the mesh to
// LiveKit when the signaling server says so (docs/protocol.md v1.1). The
// server side is played by handoverFront in front of a real signaling
// server (handover_front_test.go says why); LiveKit is a real
// livekit-server, Chromium the real browser. handover_mixed_test.go runs
// browsers and terminals on the real v1.1 server.

// handoverTimeout bounds each step on the loaded two-core machine:
// Chromiums, livekit-server and the test share it.
const handoverTimeout = 90 * time.Second

// LiveKit's ports inside the test's own network namespace (nothing else
// listens there).
const (
	lkHTTPPort = 7880
	lkUDPPort  = 7882
)

// connections lists every RTCPeerConnection the page made, in order.
func (p *browserPage) connections(t testing.TB) []pageConnection {
	t.Helper()
	var out []pageConnection
	if err := p.cdp.eval("window.__rtcProbe.connections()", &out); err != nil {
		t.Fatalf("page %s: connections: %v", p.name, err)
	}
	return out
}

// pageConnection is one RTCPeerConnection of a page.
type pageConnection struct {
	N     int    `json:"n"`
	State string `json:"state"`
}

// meshNegotiation is what a page sends to set up or repair mesh connections.
var meshNegotiation = []string{"offer", "answer", "ready-for-offer"}

// onLiveKitWithMedia: the tile named name is fed by LiveKit alone (its mesh
// connection is gone) and plays decoded video and received audio.
func onLiveKitWithMedia(r pageReport, name string) bool {
	p, ok := r.peerNamed(name)
	return ok && p.Transport == "livekit" && p.TileState == "connected" && p.TileFramesDecoded > 30 && p.TileAudioPackets > 50
}

func noExceptions(t *testing.T, pages ...*browserPage) {
	t.Helper()
	for _, p := range pages {
		for _, l := range p.errors() {
			if strings.HasPrefix(l, "exception:") || strings.Contains(l, "Content Security Policy") {
				t.Errorf("page %s: %s", p.name, l)
			} else {
				t.Logf("page %s logged: %s", p.name, l)
			}
		}
	}
}

// Two browsers on the mesh are told to move: both join LiveKit under the
// strict policy, publish the tracks they had (a Go LiveKit participant
// receives both's audio and video), receive each other and the Go
// participant there (decoded frames on exactly the tiles' tracks), close
// every mesh connection, say sfu-joined and show how many are on LiveKit;
// the stats line takes its LiveKit meaning. Nobody negotiates the mesh
// after the switch. A third browser that joins the room afterwards is sent
// straight to LiveKit by its welcome: it never negotiates a mesh
// connection, and everyone gets its media.
func TestBrowsersMoveFromMeshToLiveKit(t *testing.T) {
	chromiumPath(t)
	if testkit.RerunInOwnNetns(t) {
		return
	}
	lk := testkit.StartLiveKit(t, lkHTTPPort, lkUDPPort)
	sig := testkit.StartServer(t, server.Config{})
	front := startHandoverFront(t, sig.WS, lk)
	const room = "grow"
	bot := joinLiveKitBot(t, lk, "rtcterm-"+room, "lkbot", "LiveKit bot")

	ann := openPage(t, "ann", pageURL(front.base, room, "Ann", ""))
	bob := openPage(t, "bob", pageURL(front.base, room, "Bob", ""))
	onMesh := func(name string) func(pageReport) bool {
		return func(r pageReport) bool {
			p, ok := r.peerNamed(name)
			return ok && p.Transport == "mesh" && p.ConnectionState == "connected" && p.TileFramesDecoded > 10
		}
	}
	annID := ann.waitFor(t, handoverTimeout, "Bob on the mesh", onMesh("Bob")).SelfID
	bobID := bob.waitFor(t, handoverTimeout, "Ann on the mesh", onMesh("Ann")).SelfID
	annMesh, bobMesh := ann.connections(t), bob.connections(t)
	if len(annMesh) != 1 || len(bobMesh) != 1 {
		t.Fatalf("before the switch: Ann has %d connections, Bob %d; want 1 each (the mesh)", len(annMesh), len(bobMesh))
	}

	for _, pg := range []*browserPage{ann, bob} {
		pg.do(t, "watch media gaps", "window.__rtcProbe.watchGaps()")
	}
	switchAt := front.moveToLiveKit(room, "the room reached 3 people")
	testkit.Eventually(t, handoverTimeout, "sfu-joined from Ann and Bob", func() bool {
		return front.sent(annID, "sfu-joined") && front.sent(bobID, "sfu-joined")
	})
	t.Logf("switch → both sfu-joined: %v", time.Since(switchAt).Round(time.Millisecond))
	for _, pg := range []struct {
		page  *browserPage
		other string
	}{{ann, "Bob"}, {bob, "Ann"}} {
		pg.page.waitFor(t, handoverTimeout, pg.other+" and the bot over LiveKit", func(r pageReport) bool {
			return r.Mode == "moved to LiveKit: 3 people" && onLiveKitWithMedia(r, pg.other) && onLiveKitWithMedia(r, "LiveKit bot")
		})
		t.Logf("switch → %s sees %s and the bot on LiveKit with media: %v", pg.page.name, pg.other, time.Since(switchAt).Round(time.Millisecond))
		// The line follows within a stats interval (1 s), with the SFU's
		// figures: what reaches us from that peer through it.
		pg.page.waitFor(t, handoverTimeout, "the stats line of "+pg.other+" via LiveKit", func(r pageReport) bool {
			p, _ := r.peerNamed(pg.other)
			return strings.HasPrefix(p.StatsLine, "via LiveKit · RTT ") && !strings.Contains(p.StatsLine, "↓ 0 kbps") && strings.Contains(p.StatsLine, "↓ ")
		})
	}
	for _, pc := range []struct {
		page *browserPage
		mesh []pageConnection
	}{{ann, annMesh}, {bob, bobMesh}} {
		testkit.Eventually(t, handoverTimeout, pc.page.name+"'s mesh connection closed", func() bool {
			now := pc.page.connections(t)
			return len(now) > pc.mesh[0].N-1 && now[pc.mesh[0].N-1].State == "closed"
		})
	}
	// The figures for the closing note: the longest stretch each
	// page's tile of the other went without audio or a decoded frame
	// during the move (sampled every 100 ms; measured, not asserted).
	for _, pg := range []struct {
		page *browserPage
		peer string
	}{{ann, bobID}, {bob, annID}} {
		var gaps struct {
			Peers     map[string]struct{ Audio, Video float64 }
			TickMaxMs float64
		}
		if err := pg.page.cdp.eval("window.__rtcProbe.gapReport()", &gaps); err != nil {
			t.Fatal(err)
		}
		g := gaps.Peers[pg.peer]
		t.Logf("%s during the move: longest silence of the other's audio %.0f ms, video %.0f ms (RTP packets; longest sampling interval %.0f ms)",
			pg.page.name, g.Audio, g.Video, gaps.TickMaxMs)
	}
	testkit.Eventually(t, handoverTimeout, "Ann's and Bob's audio and video at the LiveKit bot", func() bool {
		return bot.received(annID, webrtc.RTPCodecTypeAudio) > 50 && bot.received(annID, webrtc.RTPCodecTypeVideo) > 50 &&
			bot.received(bobID, webrtc.RTPCodecTypeAudio) > 50 && bot.received(bobID, webrtc.RTPCodecTypeVideo) > 50
	})
	// The switches work on LiveKit: Ann's mute and camera-off show as
	// LiveKit mutes at the bot and on Bob's tile; her screen share is a
	// screen-share publication Bob's tile plays instead of her camera.
	ann.setMic(t, false)
	ann.setCamera(t, false)
	ann.waitFor(t, handoverTimeout, "her mic and camera muted at the bot", func(pageReport) bool {
		rp := bot.participant(annID)
		return rp != nil && !rp.IsMicrophoneEnabled() && !rp.IsCameraEnabled()
	})
	bob.waitFor(t, handoverTimeout, "Ann muted, camera off", func(r pageReport) bool {
		p, ok := r.peerNamed("Ann")
		return ok && p.Media != nil && !p.Media.Audio && !p.Media.Video
	})
	ann.setMic(t, true)
	ann.setCamera(t, true)
	camera, _ := bob.waitFor(t, handoverTimeout, "Ann unmuted, camera on", func(r pageReport) bool {
		p, ok := r.peerNamed("Ann")
		return ok && p.Media != nil && p.Media.Audio && p.Media.Video && p.TileVideoTrack != ""
	}).peerNamed("Ann")
	if err := ann.cdp.evalGesture(`document.getElementById('screen').click()`, nil); err != nil {
		t.Fatal(err)
	}
	ann.waitFor(t, handoverTimeout, "her screen share at the bot", func(pageReport) bool {
		rp := bot.participant(annID)
		return rp != nil && rp.IsScreenShareEnabled() && rp.IsMicrophoneEnabled() && rp.IsCameraEnabled()
	})
	bob.waitFor(t, handoverTimeout, "Ann's screen decoded on her tile instead of her camera", func(r pageReport) bool {
		p, ok := r.peerNamed("Ann")
		return ok && p.Media != nil && p.Media.Screen && p.Transport == "livekit" &&
			p.TileVideoTrack != camera.TileVideoTrack && p.TileFramesDecoded > 10
	})
	if err := ann.cdp.evalGesture(`document.getElementById('screen').click()`, nil); err != nil { // stop sharing
		t.Fatal(err)
	}
	ann.waitFor(t, handoverTimeout, "her screen share gone at the bot", func(pageReport) bool {
		rp := bot.participant(annID)
		return rp != nil && !rp.IsScreenShareEnabled()
	})
	bob.waitFor(t, handoverTimeout, "Ann's camera back on her tile", func(r pageReport) bool {
		p, ok := r.peerNamed("Ann")
		return ok && p.Media != nil && !p.Media.Screen && p.TileVideoTrack == camera.TileVideoTrack && p.TileFramesDecoded > 10
	})

	// Stopping a share whose LiveKit publication is still under way leaves
	// it unpublished, not published with a stopped track.
	if err := ann.cdp.evalGesture(`(async () => {
		const b = document.getElementById('screen');
		b.click();
		while (b.getAttribute('aria-pressed') !== 'true') await new Promise((r) => setTimeout(r, 5));
		b.click();
	})()`, nil); err != nil {
		t.Fatal(err)
	}
	var clearSince time.Time
	ann.waitFor(t, handoverTimeout, "a share stopped while publishing gone at the bot for 3 s", func(pageReport) bool {
		if rp := bot.participant(annID); rp == nil || rp.IsScreenShareEnabled() {
			clearSince = time.Time{}
			return false
		}
		if clearSince.IsZero() {
			clearSince = time.Now()
		}
		return time.Since(clearSince) > 3*time.Second
	})

	for _, id := range []string{annID, bobID} {
		for _, typ := range front.sentTypes(id, switchAt) {
			if slices.Contains(meshNegotiation, typ) {
				t.Errorf("%s sent %s after the switch", id, typ)
			}
		}
	}

	// A joiner of the room now on LiveKit goes straight there.
	catAt := time.Now()
	cat := openPage(t, "cat", pageURL(front.base, room, "Cat", ""))
	catR := cat.waitFor(t, handoverTimeout, "everyone over LiveKit", func(r pageReport) bool {
		return r.Mode == "moved to LiveKit: 4 people" && onLiveKitWithMedia(r, "Ann") && onLiveKitWithMedia(r, "Bob") && onLiveKitWithMedia(r, "LiveKit bot")
	})
	t.Logf("Cat's page has everyone's media over LiveKit %v after Chromium was started for it", time.Since(catAt).Round(time.Millisecond))
	catID := catR.SelfID
	for _, pg := range []*browserPage{ann, bob} {
		pg.waitFor(t, handoverTimeout, "Cat over LiveKit", func(r pageReport) bool { return onLiveKitWithMedia(r, "Cat") })
	}
	testkit.Eventually(t, handoverTimeout, "Cat's audio and video at the LiveKit bot", func() bool {
		return bot.received(catID, webrtc.RTPCodecTypeAudio) > 50 && bot.received(catID, webrtc.RTPCodecTypeVideo) > 50
	})
	sent := front.sentTypes(catID, time.Time{})
	if !slices.Contains(sent, "sfu-joined") {
		t.Errorf("Cat sent %v, without sfu-joined", sent)
	}
	for _, typ := range sent {
		if slices.Contains(meshNegotiation, typ) || typ == "ice-candidate" {
			t.Errorf("Cat, sent to LiveKit by its welcome, sent %s", typ)
		}
	}
	// LiveKit's publisher and subscriber connections, and nothing else.
	if n := len(cat.connections(t)); n > 2 {
		t.Errorf("Cat made %d connections, want LiveKit's two", n)
	}

	// A signaling drop while on LiveKit: the page resumes its membership
	// (its welcome repeats the LiveKit offer), stays in its LiveKit room
	// and negotiates no mesh.
	before := len(ann.connections(t))
	dropAt := time.Now()
	ann.do(t, "drop signaling", "window.__rtcProbe.dropSignaling()")
	ann.waitFor(t, handoverTimeout, "signaling back, still on LiveKit", func(r pageReport) bool {
		return r.Welcomes >= 2 && r.Signaling == "connected" && r.SelfID == annID && r.Mode == "moved to LiveKit: 4 people" &&
			onLiveKitWithMedia(r, "Bob") && onLiveKitWithMedia(r, "Cat")
	})
	for _, typ := range front.sentTypes(annID, dropAt) {
		if slices.Contains(meshNegotiation, typ) {
			t.Errorf("Ann sent %s after resuming on LiveKit", typ)
		}
	}
	if after := len(ann.connections(t)); after != before {
		t.Errorf("Ann made %d connections after resuming, want none", after-before)
	}
	noExceptions(t, ann, bob, cat)
}

// unusedPort is a loopback TCP port nothing listens on.
func unusedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// A switch to a LiveKit server that is not there leaves the call on the
// mesh: the page says why, keeps its connection and its media, and never
// says sfu-joined. A server's notice is shown as text, cleaned of control
// and bidirectional-override characters, never as markup.
func TestBrowserStaysOnMeshWhenLiveKitIsUnreachable(t *testing.T) {
	chromiumPath(t)
	sig := testkit.StartServer(t, server.Config{})
	front := startHandoverFront(t, sig.WS, testkit.LiveKit{URL: "ws://" + unusedPort(t), Key: testkit.LiveKitKey, Secret: testkit.LiveKitSecret})
	const room = "stay"
	ann := openPage(t, "ann", pageURL(front.base, room, "Ann", ""))
	bob := openPage(t, "bob", pageURL(front.base, room, "Bob", ""))
	onMesh := func(name string, frames int64) func(pageReport) bool {
		return func(r pageReport) bool {
			p, ok := r.peerNamed(name)
			return ok && p.Transport == "mesh" && p.ConnectionState == "connected" && p.TileFramesDecoded > frames
		}
	}
	annID := ann.waitFor(t, handoverTimeout, "Bob on the mesh", onMesh("Bob", 10)).SelfID
	bob.waitFor(t, handoverTimeout, "Ann on the mesh", onMesh("Ann", 10))

	front.moveToLiveKit(room, "the room reached 2 people")
	r := ann.waitFor(t, handoverTimeout, "the failed switch explained", func(r pageReport) bool {
		return strings.HasPrefix(r.Mode, "could not join LiveKit (") && strings.HasSuffix(r.Mode, "); staying on the mesh")
	})
	t.Logf("Ann's page says: %s", r.Mode)
	p, _ := r.peerNamed("Bob")
	ann.waitFor(t, handoverTimeout, "Bob's video still coming over the mesh", onMesh("Bob", p.TileFramesDecoded+30))
	if front.sent(annID, "sfu-joined") {
		t.Error("Ann said sfu-joined without being on LiveKit")
	}
	if n := len(ann.connections(t)); n != 1 {
		t.Errorf("Ann has %d connections, want the mesh's one", n) // the SDK never got as far as a connection
	}

	front.notice(room, "warn", "staying on the mesh: LiveKit \x1b[31munreachable\u202e <b>4 s</b>")
	want := "staying on the mesh: LiveKit  [31munreachable  <b>4 s</b>"
	ann.waitFor(t, handoverTimeout, "the server's notice as text", func(r pageReport) bool { return r.Mode == want })
	var bold int
	if err := ann.cdp.eval("document.querySelectorAll('#mode *').length", &bold); err != nil || bold != 0 {
		t.Errorf("the notice made %d elements (%v), want text only", bold, err)
	}
	noExceptions(t, ann, bob)
}
