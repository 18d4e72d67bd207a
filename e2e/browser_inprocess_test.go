package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/store"
)

// startWebServer runs a signaling server with the web client in this
// process and returns its http:// base address.
func startWebServer(t testing.TB, secret []byte) string {
	t.Helper()
	return testkit.StartServer(t, server.Config{TokenSecret: secret, Static: web.Handler()}).Base
}

// terminal is an in-process rtcterm participant and the state its actions
// build, as the terminal UI would show it.
type terminal struct {
	sess   *rtc.Session
	rec    *testkit.Recorder
	runErr chan error
	once   sync.Once
}

// smallMedia is what in-process participants send: small synthetic video.
var smallMedia = call.Media{Fake: true, Width: 320, Height: 240, FPS: 15, VideoBitrateKbps: 300}

func startTerminal(t testing.TB, base, room, name string) *terminal {
	t.Helper()
	sess := call.NewSession(call.Config{ServerURL: "ws" + strings.TrimPrefix(base, "http") + "/ws", Room: room, Name: name, Media: smallMedia}, call.Sinks{})
	tm := &terminal{sess: sess, rec: testkit.NewRecorder(sess.Actions()), runErr: make(chan error, 1)}
	go func() { tm.runErr <- sess.Run(context.Background()) }()
	t.Cleanup(tm.close)
	return tm
}

// close ends the session and waits for it; safe to call twice.
func (tm *terminal) close() {
	tm.once.Do(func() {
		_ = tm.sess.Close()
		<-tm.runErr
		<-tm.rec.Done()
	})
}

// peerNamed returns the terminal's connection to the peer with that name.
func (tm *terminal) peerNamed(name string) (store.Connection, bool) { return tm.rec.PeerNamed(name) }

func (tm *terminal) waitFor(t testing.TB, timeout time.Duration, what, name string, cond func(store.Connection) bool) {
	t.Helper()
	testkit.Eventually(t, timeout, "terminal: "+what+" with "+name, func() bool {
		c, ok := tm.peerNamed(name)
		return ok && cond(c)
	})
}

// TestMuteBothWaysBetweenBrowserAndTerminal: what one side mutes shows as
// muted on the other, in both directions, between Chromium and an
// in-process rtcterm session (whose mic and camera the test can switch).
func TestMuteBothWaysBetweenBrowserAndTerminal(t *testing.T) {
	// Registered first, so it runs after every other cleanup.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	hub := newReportHub(t)
	page := hub.page("Browser")
	startChromium(t, hub.pageURL(base, "mute", "Browser", ""))
	term := startTerminal(t, base, "mute", "Term")

	page.waitFor(t, 20*time.Second, "connected to Term", connectedWith("Term"))
	term.waitFor(t, 10*time.Second, "connected to the browser", "Browser", func(c store.Connection) bool {
		return c.Status == store.StatusConnected && c.Media.Known && c.Media.Audio && c.Media.Video
	})

	// Terminal → browser.
	if err := term.sess.SetAudio(false); err != nil {
		t.Fatal(err)
	}
	page.waitFor(t, 5*time.Second, "Term muted", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.Media != nil && !p.Media.Audio && p.Media.Video
	})
	if err := term.sess.SetVideo(false); err != nil {
		t.Fatal(err)
	}
	page.waitFor(t, 5*time.Second, "Term's camera off", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.Media != nil && !p.Media.Audio && !p.Media.Video
	})
	if err := term.sess.SetAudio(true); err != nil {
		t.Fatal(err)
	}
	page.waitFor(t, 5*time.Second, "Term unmuted", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.Media != nil && p.Media.Audio && !p.Media.Video
	})

	// Browser → terminal.
	page.command(map[string]any{"do": "mic", "on": false})
	term.waitFor(t, 5*time.Second, "the browser's mute", "Browser", func(c store.Connection) bool {
		return !c.Media.Audio && c.Media.Video
	})
	page.command(map[string]any{"do": "mic", "on": true})
	page.command(map[string]any{"do": "camera", "on": false})
	term.waitFor(t, 5*time.Second, "the browser's camera off, mic back on", "Browser", func(c store.Connection) bool {
		return c.Media.Audio && !c.Media.Video
	})
	term.close()
}

// TestBrowserTokenFromFragmentOrAsked: on a server that requires tokens, a
// page with #token= joins; one without is refused and asks for a token.
func TestBrowserTokenFromFragmentOrAsked(t *testing.T) {
	secret := []byte("web-test-secret")
	base := startWebServer(t, secret)
	tok, err := server.NewToken(secret, "secret-room", "Tina", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hub := newReportHub(t)
	startChromium(t, hub.pageURL(base, "secret-room", "Tina", "token="+tok))
	startChromium(t, hub.pageURL(base, "secret-room", "Nobody", ""))
	hub.page("Tina").waitFor(t, 20*time.Second, "joined with the token", func(r pageReport) bool {
		return r.SelfID != "" && r.Signaling == "connected"
	})
	hub.page("Nobody").waitFor(t, 20*time.Second, "asked for a token", func(r pageReport) bool {
		return r.SelfID == "" && strings.Contains(r.Notice, "token")
	})
}

// TestBrowserICERestartInBothRoles: the browser restarts ICE as offerer
// (a new offer with new credentials) and as answerer (it asks the offerer
// with ready-for-offer), and stays connected to rtcterm both times.
func TestBrowserICERestartInBothRoles(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	hub := newReportHub(t)
	page := hub.page("Browser")

	// First in the room, Early offers to the browser; Late joins after it
	// and gets the browser's offer.
	early := startTerminal(t, base, "restart", "Early")
	testkit.Eventually(t, 10*time.Second, "Early joined", func() bool {
		return early.rec.State().Signaling.Status == store.SignalingConnected
	})
	startChromium(t, hub.pageURL(base, "restart", "Browser", ""))
	page.waitFor(t, 20*time.Second, "connected to Early", connectedWith("Early"))
	late := startTerminal(t, base, "restart", "Late")
	before := page.waitFor(t, 10*time.Second, "connected to Late", connectedWith("Late"))
	pe, _ := before.peerNamed("Early")
	pl, _ := before.peerNamed("Late")
	if pe.Offerer || !pl.Offerer {
		t.Fatalf("roles: browser offerer to Early %v (want false), to Late %v (want true)", pe.Offerer, pl.Offerer)
	}

	page.command(map[string]any{"do": "restart"})
	page.waitFor(t, 10*time.Second, "both pairs renegotiated with new ICE credentials and connected", func(r pageReport) bool {
		for _, old := range []pagePeer{pe, pl} {
			p, ok := r.peerNamed(old.UserName)
			if !ok || p.ConnectionState != "connected" || p.Negotiations <= old.Negotiations || p.LocalUfrag == old.LocalUfrag || p.LocalUfrag == "" {
				return false
			}
		}
		return true
	})
	for _, tm := range []*terminal{early, late} {
		tm.waitFor(t, 5*time.Second, "still connected", "Browser", func(c store.Connection) bool {
			return c.Status == store.StatusConnected
		})
	}
	late.close()
	early.close()
}

// TestBrowserResumesAfterSignalingDrop: when its WebSocket drops, the page
// reconnects and resumes its membership (same peer id); the call goes on
// and rtcterm never sees it leave.
func TestBrowserResumesAfterSignalingDrop(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	hub := newReportHub(t)
	page := hub.page("Browser")
	startChromium(t, hub.pageURL(base, "resume", "Browser", ""))
	term := startTerminal(t, base, "resume", "Term")
	before := page.waitFor(t, 20*time.Second, "connected to Term", connectedWith("Term"))
	term.waitFor(t, 10*time.Second, "connected", "Browser", func(c store.Connection) bool { return c.Status == store.StatusConnected })
	browserID := func() string {
		c, _ := term.peerNamed("Browser")
		return c.PeerID
	}
	idBefore := browserID()

	page.command(map[string]any{"do": "drop-signaling"})
	after := page.waitFor(t, 10*time.Second, "rejoined", func(r pageReport) bool {
		return r.Signaling == "connected" && r.Welcomes > before.Welcomes
	})
	if after.SelfID != before.SelfID {
		t.Fatalf("peer id changed on resume: %s → %s", before.SelfID, after.SelfID)
	}
	// Signaling works again: a media-state change reaches the terminal.
	page.command(map[string]any{"do": "mic", "on": false})
	term.waitFor(t, 5*time.Second, "the browser's mute after the resume", "Browser", func(c store.Connection) bool {
		return c.Status == store.StatusConnected && !c.Media.Audio
	})
	if id := browserID(); id != idBefore {
		t.Fatalf("rtcterm saw the browser leave and come back: %s → %s", idBefore, id)
	}
	if r, _ := page.report(); len(r.Errors) > 0 {
		t.Errorf("page errors: %q", r.Errors)
	}
	term.close()
}
