package rtc

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// cutProxy forwards TCP to a target and can drop every connection.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
	wg     sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.setDown(true); p.wg.Wait() })
	return p
}

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

// setDown drops every open connection and refuses new ones while down.
func (p *cutProxy) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	conns := p.conns
	if down {
		p.conns = nil
	}
	p.mu.Unlock()
	if down {
		for _, c := range conns {
			_ = c.Close()
		}
	}
}

// TestSignalingOutageKeepsTheCall drops the signaling connection: the UI
// state says reconnecting, the media keeps flowing, and after the outage
// the client resumes under the same peer id with the call untouched.
func TestSignalingOutageKeepsTheCall(t *testing.T) {
	url := startServer(t)
	proxy := newCutProxy(t, strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/ws"))
	viaProxy := "ws://" + proxy.ln.Addr().String() + "/ws"
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, testConfig(viaProxy, "outage", "A", ma), ma)
	b := startMember(t, testConfig(url, "outage", "B", mb), mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	idA, idB := peerIDOf(a), peerIDOf(b)

	proxy.setDown(true)
	waitFor(t, 10*time.Second, "A reports reconnecting", func() bool {
		sig := a.snapshot().Signaling
		return sig.Status == store.SignalingReconnecting && sig.Attempt >= 1
	})
	if st := statsOf(t, b, idA, 700*time.Millisecond); st.RecvKbps <= 0 {
		t.Fatalf("media stopped during the signaling outage: %.1f kbps", st.RecvKbps)
	}
	if a.snapshot().Connections[idB].Status != store.StatusConnected {
		t.Fatal("the peer connection was torn down while signaling was down")
	}
	proxy.setDown(false)
	waitFor(t, 20*time.Second, "A reconnected", func() bool { return a.snapshot().Signaling.Status == store.SignalingConnected })
	if peerIDOf(a) != idA {
		t.Fatalf("resume failed: peer id %q became %q", idA, peerIDOf(a))
	}
	if _, ok := b.snapshot().Connections[idA]; !ok || b.snapshot().Connections[idA].Status != store.StatusConnected {
		t.Fatal("B lost A across the outage")
	}
}
