package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// vendorSHA256 is the hash of the vendored SDK as npm ships it
// (vendor/README.md): an edit by hand, or a half-done update, fails here.
const vendorSHA256 = "053820ce316a0d9881e54d4745eeb45b96575c05d3591a214f318168336e1367"

func getWith(t *testing.T, h http.Handler, path string) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// With a LiveKit server configured, connect-src names exactly its origin
// (the WebSocket and the same host over http(s)) and nothing else changes.
func TestPolicyAllowsExactlyTheConfiguredLiveKitOrigin(t *testing.T) {
	for url, sources := range map[string]string{
		"ws://127.0.0.1:7880":        "ws://127.0.0.1:7880 http://127.0.0.1:7880",
		"wss://LK.example.com/":      "wss://lk.example.com https://lk.example.com",
		"wss://lk.example.com:8443":  "wss://lk.example.com:8443 https://lk.example.com:8443",
		"ws://[::1]:7880":            "ws://[::1]:7880 http://[::1]:7880",
		"wss://proxy.example.com/lk": "wss://proxy.example.com https://proxy.example.com",
	} {
		h, err := New(Config{LiveKitURL: url})
		if err != nil {
			t.Fatalf("New(%q): %v", url, err)
		}
		want := strings.Replace(wantCSP, "connect-src 'self';", "connect-src 'self' "+sources+";", 1)
		for _, path := range []string{"/", "/sfu.js", "/vendor/livekit-client.esm.mjs"} {
			res, _ := getWith(t, h, path)
			if got := res.Header.Get("Content-Security-Policy"); got != want {
				t.Errorf("%s, GET %s: policy\n%q, want\n%q", url, path, got, want)
			}
		}
	}
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := getWith(t, h, "/"); res.Header.Get("Content-Security-Policy") != wantCSP {
		t.Errorf("without LiveKit: policy %q, want %q", res.Header.Get("Content-Security-Policy"), wantCSP)
	}
}

// A URL that the policy could not name exactly (or that would smuggle in
// another directive or source) is refused, not loosened into the policy.
func TestPolicyRefusesLiveKitURLsItCannotNameExactly(t *testing.T) {
	for _, url := range []string{
		"http://127.0.0.1:7880", "https://lk.example.com", "127.0.0.1:7880", "ws://",
		"ws://a b", "ws://lk;script-src *", "ws://u:p@lk.example.com", "ws://lk.example.com?",
		"ws://lk.example.com?x=1", "ws://lk.example.com#f", "ws://*.example.com", "ws://lk'.example.com",
		"ws://lk.example.com:99999999",
	} {
		if _, err := New(Config{LiveKitURL: url}); !errors.Is(err, ErrLiveKitURL) {
			t.Errorf("New(%q): %v, want ErrLiveKitURL", url, err)
		}
	}
}

// The vendored SDK is served as a JavaScript module, is the file npm
// ships, and holds nothing the policy would refuse to run.
func TestVendoredSDKIsServedUnmodified(t *testing.T) {
	res, body := getWith(t, Handler(), "/vendor/livekit-client.esm.mjs")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET the SDK: %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != javaScript {
		t.Errorf("SDK Content-Type %q, want %q", ct, javaScript)
	}
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != vendorSHA256 {
		t.Errorf("vendored SDK sha256 %s, want %s (vendor/README.md)", got, vendorSHA256)
	}
	if m := regexp.MustCompile(`new Function\(|[^A-Za-z0-9_.$]eval\(`).Find(body); m != nil {
		t.Errorf("the SDK uses %q, which script-src without 'unsafe-eval' refuses", m)
	}
	for _, f := range []string{"LICENSE", "README.md"} {
		if _, err := vendor.ReadFile("vendor/" + f); err != nil {
			t.Errorf("vendor/%s: %v", f, err)
		}
	}
	lic, _ := vendor.ReadFile("vendor/LICENSE")
	if !strings.Contains(string(lic), "Apache License") || !strings.Contains(string(lic), "Version 2.0") {
		t.Error("vendor/LICENSE is not the Apache License 2.0")
	}
}

// The modules reach the SDK only through the one relative import in
// sfu.js (a dynamic one, so no call waits for the SDK to load), which
// names the embedded file.
func TestSDKImportNamesTheVendoredFile(t *testing.T) {
	imp := regexp.MustCompile(`(?m)^import [^;]* from '([^']+)';|import\('([^']+)'\)`)
	found := 0
	for _, name := range scripts(t) {
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imp.FindAllSubmatch(b, -1) {
			path := string(m[1]) + string(m[2])
			if !strings.HasPrefix(path, "./vendor/") {
				continue
			}
			found++
			if name != "sfu.js" {
				t.Errorf("%s imports %s: only sfu.js talks to the SDK", name, path)
			}
			if _, err := vendor.ReadFile(strings.TrimPrefix(path, "./")); err != nil {
				t.Errorf("%s imports %s, which is not embedded: %v", name, path, err)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d imports of the vendored SDK, want 1", found)
	}
}
