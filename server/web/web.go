// Package web is the browser client of rtcterm: plain HTML, CSS and
// JavaScript embedded in the binary and served by `rtcterm serve` at "/".
// It speaks docs/protocol.md like rtcterm does, so browsers and terminals
// share one call.
//
// Opening /?room=R&name=N joins at once; without them the page shows a join
// form. A token for servers started with --token-secret is read from the
// URL fragment (#token=...) or asked for when the server refuses the join.
// For tests, &report=URL makes the page POST its state there twice a
// second and run the commands the reply carries; without it the page
// reports nowhere.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// contentSecurityPolicy allows only the page's own scripts and styles (no
// inline code, so a name that slipped into the markup could not run), media
// from the peer connections, and connections to the signaling WebSocket
// and, for tests, the report endpoint.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self' ws: wss: http: https:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

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
		files.ServeHTTP(w, r)
	})
}
