package cli

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/signal"
)

// defaultSFUAt is how many members move a room to LiveKit unless --sfu-at
// says otherwise: a mesh is the better call up to four people.
const defaultSFUAt = 5

// sfuFlags are serve's flags for moving growing rooms to LiveKit.
type sfuFlags struct {
	url, key, secret, at string
}

func (f *sfuFlags) register(fs *flagSet, env LookupEnv) {
	fs.StringVar(&f.url, "livekit-url", envDefault(env, "RTCTERM_LIVEKIT_URL", ""), "LiveKit server `URL` (ws:// or wss://) growing rooms move to (env RTCTERM_LIVEKIT_URL)")
	fs.StringVar(&f.key, "livekit-key", envDefault(env, "RTCTERM_LIVEKIT_KEY", ""), "LiveKit API `key` for room checks and members' tokens (env RTCTERM_LIVEKIT_KEY)")
	fs.StringVar(&f.secret, "livekit-secret", "", "LiveKit API `secret` (env RTCTERM_LIVEKIT_SECRET)")
	fs.StringVar(&f.at, "sfu-at", envDefault(env, "RTCTERM_SFU_AT", ""), fmt.Sprintf("move a room to LiveKit when it has `N` people (2-1000, default %d; env RTCTERM_SFU_AT)", defaultSFUAt))
	fs.group("LiveKit (rooms that grow)", "livekit-url", "livekit-key", "livekit-secret", "sfu-at")
}

// apply checks the flags and configures cfg; without any LiveKit flag the
// server is a mesh-only server as before.
func (f *sfuFlags) apply(cfg *server.Config, env LookupEnv) error {
	if f.secret == "" {
		f.secret = envDefault(env, "RTCTERM_LIVEKIT_SECRET", "")
	}
	set := 0
	for _, v := range []string{f.url, f.key, f.secret} {
		if v != "" {
			set++
		}
	}
	if set == 0 {
		if f.at != "" {
			return usagef("--sfu-at needs --livekit-url, --livekit-key and --livekit-secret")
		}
		return nil
	}
	if set < 3 {
		return usagef("--livekit-url, --livekit-key and --livekit-secret go together")
	}
	at := defaultSFUAt
	if f.at != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.at))
		if err != nil || n < 2 || n > 1000 {
			return usagef("--sfu-at must be a number of people between 2 and 1000, not %q", f.at)
		}
		at = n
	}
	if err := signal.ValidateSFUURL(f.url); err != nil {
		return usagef("--livekit-url must be a ws:// or wss:// URL with a host (clients connect to it), not %q", f.url)
	}
	cfg.SFU = server.LiveKit{URL: f.url, APIKey: f.key, APISecret: f.secret}
	cfg.SFUURL = f.url
	cfg.SFUAt = at
	return nil
}

// webClient is the browser client the server serves: with LiveKit its
// Content-Security-Policy must admit the LiveKit origin, or the page could
// not follow its room there. A URL the policy cannot name exactly is the
// user's to fix, so it is a usage error, found before anything starts.
func webClient(liveKitURL string) (http.Handler, error) {
	if liveKitURL == "" {
		return web.Handler(), nil
	}
	h, err := web.New(web.Config{LiveKitURL: liveKitURL})
	if errors.Is(err, web.ErrLiveKitURL) {
		return nil, usagef("--livekit-url %q: browsers could not be allowed to connect to it (%v)", liveKitURL, err)
	}
	if err != nil {
		return nil, fmt.Errorf("web client: %w", err)
	}
	return h, nil
}
