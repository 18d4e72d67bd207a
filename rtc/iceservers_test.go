package rtc

import (
	"errors"
	"testing"
)

func TestParseICEServer(t *testing.T) {
	good := []struct{ in, url, user, pass string }{
		{"stun:127.0.0.1:3478", "stun:127.0.0.1:3478", "", ""},
		{"turn:alice:s3cret@turn.example.test:3478", "turn:turn.example.test:3478", "alice", "s3cret"},
		{"turn:u:p@[::1]:3478?transport=tcp", "turn:[::1]:3478?transport=tcp", "u", "p"},
	}
	for _, g := range good {
		s, err := ParseICEServer(g.in)
		if err != nil || s.URLs[0] != g.url || s.Username != g.user || s.Credential != g.pass {
			t.Errorf("%q: %+v %v", g.in, s, err)
		}
	}
	for _, bad := range []string{"", "stun", "http://x:1", "turn:host:3478", "turn:@h:1", "stun:hostonly"} {
		if _, err := ParseICEServer(bad); !errors.Is(err, ErrBadICEServer) {
			t.Errorf("%q: err %v, want ErrBadICEServer", bad, err)
		}
	}
}
