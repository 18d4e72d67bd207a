package rtc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fingerprintRe finds the first byte of a DTLS fingerprint inside SDP.
var fingerprintRe = regexp.MustCompile(`(a=fingerprint:sha-256 )([0-9A-F]{2})`)

// tamper swaps the first byte of every fingerprint, as a server in the
// middle that substituted its own certificate would.
func tamper(b []byte) []byte {
	return fingerprintRe.ReplaceAllFunc(b, func(m []byte) []byte {
		out := append([]byte(nil), m...)
		if strings.HasSuffix(string(m), "00") {
			copy(out[len(out)-2:], "11")
		} else {
			copy(out[len(out)-2:], "00")
		}
		return out
	})
}

// startTamperingProxy relays WebSocket frames to the signaling server,
// rewriting the DTLS fingerprints in every SDP it carries.
func startTamperingProxy(t *testing.T, target string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer down.CloseNow()
		up, _, err := websocket.Dial(ctx, target, nil)
		if err != nil {
			return
		}
		defer up.CloseNow()
		down.SetReadLimit(1 << 20)
		up.SetReadLimit(1 << 20)
		pump := func(from, to *websocket.Conn, done chan<- struct{}) {
			defer close(done)
			for {
				typ, b, err := from.Read(ctx)
				if err != nil {
					return
				}
				if err := to.Write(ctx, typ, tamper(b)); err != nil {
					return
				}
			}
		}
		d1, d2 := make(chan struct{}), make(chan struct{})
		go pump(down, up, d1)
		go pump(up, down, d2)
		select {
		case <-d1:
		case <-d2:
		}
		down.CloseNow()
		up.CloseNow()
		<-d1
		<-d2
	}))
	t.Cleanup(func() { cancel(); srv.CloseClientConnections(); srv.Close() })
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// TestTamperedFingerprintFailsDTLS: a signaling server that swaps the DTLS
// fingerprints (a man in the middle) makes the handshake fail, and the
// user is told "DTLS Handshake Failed" rather than a vague failure.
func TestTamperedFingerprintFailsDTLS(t *testing.T) {
	url := startServer(t)
	mitm := startTamperingProxy(t, url)
	ma, mb := newFakeMedia(), newFakeMedia()
	fast := func(c Config) Config {
		c.RestartBackoff = time.Hour // one failure is enough to look at
		return c
	}
	a := startMember(t, fast(testConfig(mitm, "mitm", "A", ma)), ma)
	b := startMember(t, fast(testConfig(url, "mitm", "B", mb)), mb)
	t.Cleanup(func() {
		if t.Failed() {
			for _, m := range []*member{a, b} {
				for _, c := range m.snapshot().Connections {
					t.Logf("%s → %s: %s err=%q fp=%q", m.name, c.UserName, c.Status, c.Error, c.Fingerprint)
				}
			}
		}
	})
	waitFor(t, 30*time.Second, "the DTLS failure reported", func() bool {
		for _, m := range []*member{a, b} {
			for _, c := range m.snapshot().Connections {
				if c.Error == ErrTextDTLSFailed {
					return true
				}
			}
		}
		return false
	})
}
