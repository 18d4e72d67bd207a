package signal

import (
	"fmt"
	"net/url"
	"strings"
)

// NormalizeURL turns user input into a signaling WebSocket URL. It accepts
// ws://, wss://, http:// (→ ws), https:// (→ wss) and bare host:port (→ ws),
// and appends /ws when the URL has no path.
func NormalizeURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("signal: empty server URL")
	}
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("signal: server URL: %w", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("signal: server URL scheme %q (want ws, wss, http or https)", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("signal: server URL %q has no host", s)
	}
	if u.User != nil {
		return "", fmt.Errorf("signal: server URL must not contain credentials")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
		u.RawPath = ""
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String(), nil
}
