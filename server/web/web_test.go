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

func TestHandlerServesTheClientWithAStrictPolicy(t *testing.T) {
	for path, ctype := range map[string]string{
		"/":            "text/html",
		"/?room=r&n=x": "text/html",
		"/app.js":      "javascript",
		"/style.css":   "text/css",
	} {
		res := get(t, http.MethodGet, path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET %s: %d, %d bytes", path, res.StatusCode, len(body))
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, ctype)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	if res := get(t, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
	if res := get(t, http.MethodGet, "/missing.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /missing.js: %d, want 404", res.StatusCode)
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
