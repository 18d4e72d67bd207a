package rtc

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/pion/webrtc/v4"
)

// ErrBadICEServer reports an --ice or --turn value that cannot be used.
var ErrBadICEServer = errors.New("bad ICE server")

// ParseICEServer reads a STUN or TURN server as given on the command line:
// "stun:HOST:PORT", "turn:USER:PASS@HOST:PORT" or "turns:USER:PASS@HOST:PORT"
// (add "?transport=tcp" for TURN over TCP).
func ParseICEServer(s string) (webrtc.ICEServer, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return webrtc.ICEServer{}, fmt.Errorf("%w %q: want stun:HOST:PORT or turn:USER:PASS@HOST:PORT", ErrBadICEServer, s)
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i:]
	}
	var user, pass string
	switch scheme {
	case "stun", "stuns":
	case "turn", "turns":
		cred, hostport, ok := strings.Cut(rest, "@")
		if !ok {
			return webrtc.ICEServer{}, fmt.Errorf("%w %q: TURN needs USER:PASS@HOST:PORT", ErrBadICEServer, s)
		}
		user, pass, ok = strings.Cut(cred, ":")
		if !ok || user == "" {
			return webrtc.ICEServer{}, fmt.Errorf("%w %q: TURN needs USER:PASS@HOST:PORT", ErrBadICEServer, s)
		}
		rest = hostport
	default:
		return webrtc.ICEServer{}, fmt.Errorf("%w %q: unknown scheme %q", ErrBadICEServer, s, scheme)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" || port == "" {
		return webrtc.ICEServer{}, fmt.Errorf("%w %q: want HOST:PORT", ErrBadICEServer, s)
	}
	return webrtc.ICEServer{URLs: []string{scheme + ":" + rest + query}, Username: user, Credential: pass}, nil
}
