package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
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
	page := openPage(t, "Browser", pageURL(base, "mute", "Browser", ""))
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
	page.setMic(t, false)
	term.waitFor(t, 5*time.Second, "the browser's mute", "Browser", func(c store.Connection) bool {
		return !c.Media.Audio && c.Media.Video
	})
	page.setMic(t, true)
	page.setCamera(t, false)
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
	tina := openPage(t, "Tina", pageURL(base, "secret-room", "Tina", "token="+tok))
	nobody := openPage(t, "Nobody", pageURL(base, "secret-room", "Nobody", ""))
	tina.waitFor(t, 20*time.Second, "joined with the token", func(r pageReport) bool {
		return r.SelfID != "" && r.Signaling == "connected" && r.Status == "in room secret-room"
	})
	nobody.waitFor(t, 20*time.Second, "asked for a token", func(r pageReport) bool {
		return r.SelfID == "" && strings.Contains(r.Notice, "token") && r.JoinFormShown
	})
}

// TestBrowserICERestartInBothRoles: the browser restarts ICE as offerer
// (a new offer with new credentials) and as answerer (it asks the offerer
// with ready-for-offer), and stays connected to rtcterm both times.
func TestBrowserICERestartInBothRoles(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	// First in the room, Early offers to the browser; Late joins after it
	// and gets the browser's offer.
	early := startTerminal(t, base, "restart", "Early")
	testkit.Eventually(t, 10*time.Second, "Early joined", func() bool {
		return early.rec.State().Signaling.Status == store.SignalingConnected
	})
	page := openPage(t, "Browser", pageURL(base, "restart", "Browser", ""))
	page.waitFor(t, 20*time.Second, "connected to Early", connectedWith("Early"))
	late := startTerminal(t, base, "restart", "Late")
	before := page.waitFor(t, 10*time.Second, "connected to Late", connectedWith("Late"))
	pe, _ := before.peerNamed("Early")
	pl, _ := before.peerNamed("Late")
	if pe.Offerer || !pl.Offerer {
		t.Fatalf("roles: browser offerer to Early %v (want false), to Late %v (want true)", pe.Offerer, pl.Offerer)
	}

	// Both connections report "failed"; the page's own recovery restarts ICE
	// in each pair's role.
	var failed int
	if err := page.cdp.eval("window.__rtcProbe.failConnections()", &failed); err != nil || failed != 2 {
		t.Fatalf("failConnections: %d connections failed, err %v; want 2", failed, err)
	}
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
	page := openPage(t, "Browser", pageURL(base, "resume", "Browser", ""))
	term := startTerminal(t, base, "resume", "Term")
	before := page.waitFor(t, 20*time.Second, "connected to Term", connectedWith("Term"))
	term.waitFor(t, 10*time.Second, "connected", "Browser", func(c store.Connection) bool { return c.Status == store.StatusConnected })
	browserID := func() string {
		c, _ := term.peerNamed("Browser")
		return c.PeerID
	}
	idBefore := browserID()

	var dropped bool
	if err := page.cdp.eval("window.__rtcProbe.dropSignaling()", &dropped); err != nil || !dropped {
		t.Fatalf("dropSignaling: %v %v", dropped, err)
	}
	after := page.waitFor(t, 10*time.Second, "rejoined", func(r pageReport) bool {
		return r.Signaling == "connected" && r.Welcomes > before.Welcomes
	})
	if after.SelfID != before.SelfID {
		t.Fatalf("peer id changed on resume: %s → %s", before.SelfID, after.SelfID)
	}
	// Signaling works again: a media-state change reaches the terminal.
	page.setMic(t, false)
	term.waitFor(t, 5*time.Second, "the browser's mute after the resume", "Browser", func(c store.Connection) bool {
		return c.Status == store.StatusConnected && !c.Media.Audio
	})
	if id := browserID(); id != idBefore {
		t.Fatalf("rtcterm saw the browser leave and come back: %s → %s", idBefore, id)
	}
	if errs := page.errors(); len(errs) > 0 {
		t.Errorf("page errors: %q", errs)
	}
	term.close()
}

// TestBrowserPageTalksOnlyToItsOrigin: the page joins over its signaling
// WebSocket (connect-src 'self' admits it), ignores a ?report= address, and
// Chromium's policy refuses any request the page would make elsewhere.
func TestBrowserPageTalksOnlyToItsOrigin(t *testing.T) {
	var hits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = io.WriteString(w, `{"commands":[{"do":"mic","on":false}]}`)
	}))
	t.Cleanup(other.Close)
	base := startWebServer(t, nil)
	u := pageURL(base, "csp", "Browser", "") + "&report=" + url.QueryEscape(other.URL+"/r/Browser")
	page := openPage(t, "Browser", u)
	page.waitFor(t, 20*time.Second, "joined over the same-origin WebSocket", func(r pageReport) bool {
		return r.Signaling == "connected" && r.Local.HasAudio && r.Local.Audio
	})

	// What a script in the page would try: each attempt must be refused.
	var outcomes map[string]string
	expr := fmt.Sprintf(`(async () => {
		const target = %q;
		const out = {};
		out.fetch = await fetch(target, { method: 'POST', body: 'x' }).then(() => 'sent', (e) => 'refused: ' + e.name);
		out.websocket = await new Promise((resolve) => {
			try {
				const ws = new WebSocket(target.replace('http', 'ws'));
				ws.onopen = () => resolve('open');
				ws.onerror = () => resolve('refused: error event');
			} catch (e) {
				resolve('refused: ' + e.name);
			}
		});
		navigator.sendBeacon(target, 'x'); // may be queued, then blocked: counted below
		return out;
	})()`, other.URL+"/probe")
	if err := page.cdp.eval(expr, &outcomes); err != nil {
		t.Fatal(err)
	}
	for what, got := range outcomes {
		if !strings.HasPrefix(got, "refused") {
			t.Errorf("%s to another origin: %s, want refused", what, got)
		}
	}
	// Nothing can be waited for when the point is that nothing happens: give
	// a report loop (the old hook's ran twice a second) time for rounds.
	time.Sleep(1500 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Errorf("the other origin received %d requests, want 0", n)
	}
	if r, err := page.report(); err != nil || !r.Local.Audio {
		t.Errorf("mic no longer on (%v): the page obeyed someone", err)
	}
}

// TestBrowserJoinFormJoinsAndCleansTheAddress: without room and name the
// page shows its join form; filling it in and clicking Join joins the room,
// and the address bar then carries room and name but never the token.
func TestBrowserJoinFormJoinsAndCleansTheAddress(t *testing.T) {
	base := startWebServer(t, nil)
	page := openPage(t, "Form", base+"/#token=not-needed")
	page.waitFor(t, 20*time.Second, "the join form", func(r pageReport) bool { return r.JoinFormShown })
	page.do(t, "fill in the form and click Join", `(() => {
		const f = document.getElementById('join');
		f.room.value = 'form-room';
		f.name.value = 'Fran';
		f.querySelector('button[type=submit]').click();
	})()`)
	page.waitFor(t, 20*time.Second, "joined from the form", func(r pageReport) bool {
		return r.Signaling == "connected" && r.Status == "in room form-room" && !r.JoinFormShown
	})
	var address string
	if err := page.cdp.eval("location.href", &address); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(address)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("room") != "form-room" || q.Get("name") != "Fran" || u.Fragment != "" {
		t.Errorf("address after joining: %s, want room and name and no fragment", address)
	}
}

// TestChromiumEstimatesTowardTerminal: rtcterm's SDP offers transport-cc
// and rtcterm sends transport-wide feedback for what it receives, so
// Chromium runs its delay-based send-side estimate toward rtcterm — its
// nominated pair's availableOutgoingBitrate grows past the 300 kbps it
// starts at, which only feedback allows — and rtcterm keeps an estimate of
// its own toward Chromium.
func TestChromiumEstimatesTowardTerminal(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	term := startTerminal(t, base, "bwe", "Term") // first in the room: it offers to the browser
	testkit.Eventually(t, 10*time.Second, "Term joined", func() bool {
		return term.rec.State().Signaling.Status == store.SignalingConnected
	})
	page := openPage(t, "Browser", pageURL(base, "bwe", "Browser", ""))
	page.waitFor(t, 20*time.Second, "connected to Term", connectedWith("Term"))
	r := page.waitFor(t, 15*time.Second, "Chromium's estimate toward Term", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		// It starts at 300 kbps; only feedback lets it grow.
		return ok && p.RemoteOffersTransportCC && p.AvailableOutgoingBitrate > 450_000
	})
	p, _ := r.peerNamed("Term")
	c, _ := term.peerNamed("Browser")
	st, err := term.sess.CollectStats(t.Context(), c.PeerID)
	if err != nil {
		t.Fatal(err)
	}
	if st.AvailableSendKbps <= 0 {
		t.Errorf("rtcterm has no estimate toward Chromium: %+v", st)
	}
	t.Logf("Chromium → Term estimate %.0f kbps; Term → Chromium %.0f kbps", p.AvailableOutgoingBitrate/1000, st.AvailableSendKbps)
}
