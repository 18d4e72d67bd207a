package cli

import (
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
