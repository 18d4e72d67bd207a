package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

// wantCSP is the whole policy: scripts, styles and connections from the
// page's own origin only ('self' in connect-src covers its WebSocket).
const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func TestHandlerServesTheClientWithAStrictPolicy(t *testing.T) {
	paths := map[string]string{
		"/":            "text/html; charset=utf-8",
		"/?room=r&n=x": "text/html; charset=utf-8",
		"/style.css":   "text/css; charset=utf-8",
	}
	for _, name := range scripts(t) {
		paths["/"+name] = "text/javascript; charset=utf-8" // module scripts need a JavaScript type
	}
	for path, ctype := range paths {
		res := get(t, http.MethodGet, path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET %s: %d, %d bytes", path, res.StatusCode, len(body))
		}
		if ct := res.Header.Get("Content-Type"); ct != ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", path, ct, ctype)
		}
		if csp := res.Header.Get("Content-Security-Policy"); csp != wantCSP {
			t.Errorf("GET %s: Content-Security-Policy\n%q, want\n%q", path, csp, wantCSP)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	for _, wide := range []string{"http:", "https:", "ws:", "wss:", "*", "unsafe-inline", "unsafe-eval"} {
		if strings.Contains(contentSecurityPolicy, wide) {
			t.Errorf("policy allows %s", wide)
		}
	}
	if res := get(t, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
	if res := get(t, http.MethodGet, "/missing.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /missing.js: %d, want 404", res.StatusCode)
	}
}

// scripts lists the embedded JavaScript files.
func scripts(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(static, "static/*.js")
	if err != nil || len(names) == 0 {
		t.Fatalf("no scripts embedded: %v", err)
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "static/")
	}
	return names
}

// TestPageIsModulesFromOneEntry: index.html loads app.js as a module, every
// relative import names an embedded file, and every embedded script is
// reached from app.js (none is dead or loaded some other way).
func TestPageIsModulesFromOneEntry(t *testing.T) {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`<script[^>]*>`).FindAllString(string(page), -1)
	if len(tags) != 1 || tags[0] != `<script type="module" src="app.js">` {
		t.Fatalf("script tags %q, want one module app.js", tags)
	}
	imports := regexp.MustCompile(`(?m)^import [^;]* from '\./([a-z]+\.js)';`)
	reached := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if reached[name] {
			return
		}
		reached[name] = true
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		for _, m := range imports.FindAllSubmatch(b, -1) {
			visit(string(m[1]))
		}
	}
	visit("app.js")
	for _, name := range scripts(t) {
		if !reached[name] {
			t.Errorf("%s is embedded but no module imports it", name)
		}
	}
}

// TestPageHasNoReportHook guards against the test hook coming back: no
// script reads a report address from the URL or opens any connection but
// the signaling WebSocket to its own host.
func TestPageHasNoReportHook(t *testing.T) {
	hooks := regexp.MustCompile(`params\.get\('report'\)|report=|\bfetch\(|XMLHttpRequest|sendBeacon|EventSource|new WebSocket\([^)]*\)`)
	for _, name := range scripts(t) {
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range hooks.FindAll(b, -1) {
			if string(m) == "new WebSocket(scheme + location.host + '/ws')" {
				continue // the signaling connection
			}
			t.Errorf("%s: %s", name, m)
		}
	}
}

// TestClientNeverBuildsMarkupFromStrings guards the rule that remote names
// and messages reach the page only as text: the client has no API that
// parses a string as HTML, and the page has no inline script for the
// policy to refuse.
func TestClientNeverBuildsMarkupFromStrings(t *testing.T) {
	sinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|\beval\(|new Function`)
	err := fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(path)
		if err != nil {
			return err
		}
		if m := sinks.Find(b); m != nil {
			t.Errorf("%s uses %s", path, m)
		}
		if strings.HasSuffix(path, ".html") && regexp.MustCompile(`<script>|\son[a-z]+=`).Match(b) {
			t.Errorf("%s has inline script or an inline event handler", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
