package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/server"
)

// TestServeLiveKitFlags: the LiveKit flags and their environment
// equivalents reach server.Config; --sfu-at defaults to 5.
func TestServeLiveKitFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		at   int
	}{
		{"flags", nil, []string{"--livekit-url", "wss://lk.example.org", "--livekit-key", "K", "--livekit-secret", "S", "--sfu-at", "3"}, 3},
		{"env", map[string]string{"RTCTERM_LIVEKIT_URL": "wss://lk.example.org", "RTCTERM_LIVEKIT_KEY": "K", "RTCTERM_LIVEKIT_SECRET": "S"}, nil, 5},
		{"env at", map[string]string{"RTCTERM_LIVEKIT_URL": "wss://lk.example.org", "RTCTERM_LIVEKIT_KEY": "K", "RTCTERM_LIVEKIT_SECRET": "S", "RTCTERM_SFU_AT": "7"}, nil, 7},
	} {
		var s started
		runWith(t, &s, c.env, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)...)
		if len(s.cfgs) != 1 {
			t.Fatalf("%s: server not started", c.name)
		}
		cfg := s.cfgs[0]
		lk, ok := cfg.SFU.(server.LiveKit)
		if !ok || lk != (server.LiveKit{URL: "wss://lk.example.org", APIKey: "K", APISecret: "S"}) || cfg.SFUURL != "wss://lk.example.org" || cfg.SFUAt != c.at {
			t.Errorf("%s: SFU %+v url %q at %d, want LiveKit at %d", c.name, cfg.SFU, cfg.SFUURL, cfg.SFUAt, c.at)
		}
	}
	var s started
	runWith(t, &s, nil, "serve", "--addr", "127.0.0.1:0")
	if len(s.cfgs) != 1 || s.cfgs[0].SFU != nil {
		t.Errorf("without LiveKit flags the server has an SFU: %+v", s.cfgs)
	}
}

// TestServeWebClientAdmitsLiveKit: with LiveKit the served page's policy
// lets it connect to the LiveKit origin (else a browser could not follow
// its room there); without LiveKit it names no other origin.
func TestServeWebClientAdmitsLiveKit(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // in connect-src; "" = 'self' alone
	}{
		{[]string{"--livekit-url", "wss://LK.example.org:7443", "--livekit-key", "K", "--livekit-secret", "S"}, "connect-src 'self' wss://lk.example.org:7443 https://lk.example.org:7443;"},
		{nil, "connect-src 'self';"},
	} {
		var s started
		runWith(t, &s, nil, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)...)
		if len(s.cfgs) != 1 || s.cfgs[0].Static == nil {
			t.Fatalf("%v: no web client given to the server: %+v", c.args, s.cfgs)
		}
		rec := httptest.NewRecorder()
		s.cfgs[0].Static.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if csp := rec.Header().Get("Content-Security-Policy"); rec.Code != http.StatusOK || !strings.Contains(csp, c.want) {
			t.Errorf("%v: status %d, policy %q, want %q in it", c.args, rec.Code, csp, c.want)
		}
	}
}
