// Package web is the browser client of rtcterm: plain HTML, CSS and
// JavaScript embedded in the binary and served by `rtcterm serve` at "/".
// It speaks docs/protocol.md like rtcterm does, so browsers and terminals
// share one call.
//
// Opening /?room=R&name=N joins at once; without them the page shows a join
// form. A token for servers started with --token-secret is read from the
// URL fragment (#token=...) or asked for when the server refuses the join.
//
// In a call the page has a copy-invite button (the room's link and the
// `rtcterm join` line, never a name or token), shows each connection's
// verification code computed as the terminal UI computes it
// (tui.VerificationCode, reproduced in static/verify.js) so a browser user
// and a terminal user can compare codes, and a "camera off" tile instead of
// a frozen frame. The controls are a bar fixed at the bottom of the window.
//
// When the server moves the room to LiveKit (protocol v1.1, sfu-switch or
// welcome.sfu) the page joins the LiveKit room with LiveKit's JavaScript
// SDK, vendored unmodified in vendor/ (see vendor/README.md) and served at
// /vendor/.
//
// The script is a set of ES modules (static/app.js imports the others), so
// there is no build step. The page talks to nobody but its own origin and,
// when the server has one, its LiveKit server: the Content-Security-Policy
// forbids every other connection, and tests drive the page from outside
// through the browser's DevTools protocol (e2e/).
package web

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

//go:embed static
var static embed.FS

//go:embed vendor
var vendor embed.FS

// vendorPrefix is where the vendored SDK is served.
const vendorPrefix = "/vendor/"

// policyBefore and policyAfter surround connect-src. The policy allows only
// the page's own scripts and styles (no inline code, so a name that slipped
// into the markup could not run), media from the peer connections, and
// connections only to the page's own origin: CSP Level 3 'self' in
// connect-src also matches ws: and wss: to the same host and port, which is
// the signaling WebSocket. Nothing else may be fetched, so a crafted link
// cannot make the page send anything elsewhere. The one exception is the
// LiveKit server the host configured (Config.LiveKitURL).
const (
	policyBefore = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"media-src 'self' blob: mediastream:; connect-src 'self'"
	policyAfter = "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// contentSecurityPolicy is the policy of a server without LiveKit.
const contentSecurityPolicy = policyBefore + policyAfter

// javaScript is the type module scripts are served with. Browsers refuse a
// module whose type is not a JavaScript one, so it is set here rather than
// left to the system's MIME table.
const javaScript = "text/javascript; charset=utf-8"

// ErrLiveKitURL is returned by New for a LiveKit URL the policy cannot
// name exactly (not ws:// or wss://, no host, or with a query, fragment,
// credentials or characters a policy source cannot hold).
var ErrLiveKitURL = errors.New("web: LiveKit URL must be ws://host[:port][/path] or wss://host[:port][/path]")

// Config is what the page needs to know of the server it is served by.
type Config struct {
	// LiveKitURL is the ws:// or wss:// URL the server sends clients when
	// it moves a room to LiveKit (serve --livekit-url); empty without one.
	// The policy then lets the page connect to that origin, and no other.
	LiveKitURL string
}

// hostChars is what a host[:port] may hold in a policy source expression:
// no space, semicolon, comma or quote could end or extend the directive.
var hostChars = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// liveKitSources are the source expressions for a LiveKit URL: the
// WebSocket origin the SDK signals on and the same host over http(s),
// which the SDK fetches to explain a refused connection (/rtc/validate).
// A path (LiveKit behind a reverse proxy) is left out: the SDK appends its
// own to it, and an origin is what the policy is meant to name.
func liveKitSources(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrLiveKitURL, err)
	}
	var web string
	switch u.Scheme {
	case "ws":
		web = "http"
	case "wss":
		web = "https"
	default:
		return "", fmt.Errorf("%w: scheme %q", ErrLiveKitURL, u.Scheme)
	}
	if !hostChars.MatchString(u.Host) || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: %q", ErrLiveKitURL, raw)
	}
	host := strings.ToLower(u.Host)
	return u.Scheme + "://" + host + " " + web + "://" + host, nil
}

// policy is the Content-Security-Policy for c.
func policy(c Config) (string, error) {
	if c.LiveKitURL == "" {
		return contentSecurityPolicy, nil
	}
	src, err := liveKitSources(c.LiveKitURL)
	if err != nil {
		return "", err
	}
	return policyBefore + " " + src + policyAfter, nil
}

// Handler serves the web client for a server without LiveKit. Only GET and
// HEAD are answered; every response carries a strict
// Content-Security-Policy.
func Handler() http.Handler {
	h, err := New(Config{})
	if err != nil {
		panic(err) // the embedded tree and the policy are fixed at build time
	}
	return h
}

// New serves the web client for a server configured as c; it fails only
// for a LiveKit URL the policy cannot name (ErrLiveKitURL).
func New(c Config) (http.Handler, error) {
	csp, err := policy(c)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("web: embedded files: %w", err)
	}
	vsub, err := fs.Sub(vendor, "vendor")
	if err != nil {
		return nil, fmt.Errorf("web: embedded files: %w", err)
	}
	files := http.FileServerFS(sub)
	vendored := http.StripPrefix(strings.TrimSuffix(vendorPrefix, "/"), http.FileServerFS(vsub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if strings.HasSuffix(r.URL.Path, ".js") || strings.HasSuffix(r.URL.Path, ".mjs") {
			h.Set("Content-Type", javaScript)
		}
		if strings.HasPrefix(r.URL.Path, vendorPrefix) {
			vendored.ServeHTTP(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}), nil
}
