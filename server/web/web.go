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
// The script is a set of ES modules (static/app.js imports the others), so
// there is no build step. The page talks to nobody but its own origin: the
// Content-Security-Policy forbids every other connection, and tests drive
// the page from outside through the browser's DevTools protocol (e2e/).
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// contentSecurityPolicy allows only the page's own scripts and styles (no
// inline code, so a name that slipped into the markup could not run), media
// from the peer connections, and connections only to the page's own
// origin: CSP Level 3 'self' in connect-src also matches ws: and wss: to the
// same host and port, which is the signaling WebSocket. Nothing else may be
// fetched, so a crafted link cannot make the page send anything elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// javaScript is the type module scripts are served with. Browsers refuse a
// module whose type is not a JavaScript one, so it is set here rather than
// left to the system's MIME table.
const javaScript = "text/javascript; charset=utf-8"

// Handler serves the web client. Only GET and HEAD are answered; every
// response carries a strict Content-Security-Policy.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if strings.HasSuffix(r.URL.Path, ".js") {
			h.Set("Content-Type", javaScript)
		}
		files.ServeHTTP(w, r)
	})
}
