package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/store"
)

// startWebServer runs a signaling server with the web client in this
// process and returns its http:// base address.
func startWebServer(t testing.TB, secret []byte) string {
	t.Helper()
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", TokenSecret: secret, Static: web.Handler(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// terminal is an in-process rtcterm participant and the state its actions
// build, as the terminal UI would show it.
type terminal struct {
	sess    *rtc.Session
	mu      sync.Mutex
	state   store.State
	runErr  chan error
	drained chan struct{}
	once    sync.Once
}

func startTerminal(t testing.TB, base, room, name string) *terminal {
	t.Helper()
	media := mediaOptions{FakeMedia: true, VideoSize: "320x240", FPS: 15, VideoBitrate: 300, StatsInterval: time.Second}
	sess, err := newSession(callSpec{ServerURL: "ws" + strings.TrimPrefix(base, "http") + "/ws", Room: room, Name: name, Media: media})
	if err != nil {
		t.Fatal(err)
	}
	tm := &terminal{sess: sess, state: store.New(), runErr: make(chan error, 1), drained: make(chan struct{})}
	go func() {
		defer close(tm.drained)
		for a := range sess.Actions() {
			tm.mu.Lock()
			tm.state = store.Reduce(tm.state, a)
			tm.mu.Unlock()
		}
	}()
	go func() { tm.runErr <- sess.Run(context.Background()) }()
	t.Cleanup(tm.close)
	return tm
}

// close ends the session and waits for it; safe to call twice.
func (tm *terminal) close() {
	tm.once.Do(func() {
		_ = tm.sess.Close()
		<-tm.runErr
		<-tm.drained
	})
}

// peerNamed returns the terminal's connection to the peer with that name.
func (tm *terminal) peerNamed(name string) (store.Connection, bool) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for _, c := range tm.state.Connections {
		if c.UserName == name {
			return c, true
		}
	}
	return store.Connection{}, false
}

func (tm *terminal) waitFor(t testing.TB, timeout time.Duration, what, name string, cond func(store.Connection) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, ok := tm.peerNamed(name)
		if ok && cond(c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("terminal: %s not within %v; connection to %s: %+v", what, timeout, name, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
