package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/rtcterm/rtcterm/signal"
)

func TestTokenAuth(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := newTestServer(t, Config{TokenSecret: secret, Now: func() time.Time { return now }})

	valid, err := NewToken(secret, "r", "Alice", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := NewToken(secret, "r", "Alice", time.Minute, now.Add(-time.Hour))
	otherRoom, _ := NewToken(secret, "other", "Alice", time.Hour, now)
	wrongKey, _ := NewToken([]byte("not the secret"), "r", "Alice", time.Hour, now)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"room": "r", "user": "Alice"}).SignedString(secret)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"room": "r", "user": "Alice", "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)

	for name, tok := range map[string]string{
		"missing": "", "expired": expired, "wrong-room": otherRoom, "bad-signature": wrongKey,
		"garbage": "a.b.c", "no-expiry": noExp, "alg-none": none, "tampered": valid[:len(valid)-2] + "xx",
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, ts.url)
			c.send(signal.Join{Room: "r", UserName: "Mallory", Token: tok})
			e := c.expectError(signal.CodeUnauthorized, "join")
			if strings.Contains(e.Message, tok) && tok != "" {
				t.Errorf("error echoes the token: %q", e.Message)
			}
			if st := c.expectClosed(); st != websocket.StatusPolicyViolation {
				t.Errorf("close status %v, want 1008", st)
			}
		})
	}

	// A valid token admits, and the user name comes from it.
	a := dial(t, ts.url)
	a.send(signal.Join{Room: "r", UserName: "Mallory", Token: valid})
	expect[*signal.Welcome](a)
	b := dial(t, ts.url)
	tb, _ := NewToken(secret, "r", "Bob", time.Hour, now)
	b.send(signal.Join{Room: "r", UserName: "Alice", Token: tb})
	w := expect[*signal.Welcome](b)
	if len(w.Peers) != 1 || w.Peers[0].UserName != "Alice" {
		t.Errorf("peers %+v", w.Peers)
	}
	if pj := expect[*signal.PeerJoined](a); pj.UserName != "Bob" {
		t.Errorf("token user name not used: %+v", pj)
	}
}

func TestNewTokenRefusesBadInput(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		secret     []byte
		room, user string
		ttl        time.Duration
	}{
		{nil, "r", "u", time.Hour},
		{[]byte("k"), "bad room", "u", time.Hour},
		{[]byte("k"), "r", "new\nline", time.Hour},
		{[]byte("k"), "r", "u", 0},
	} {
		if _, err := NewToken(c.secret, c.room, c.user, c.ttl, now); err == nil {
			t.Errorf("NewToken(%q, %q, %q, %v) succeeded", c.secret, c.room, c.user, c.ttl)
		}
	}
}

func TestRateLimitPerConnection(t *testing.T) {
	now := time.Unix(1e9, 0) // frozen clock: the limiter never refills
	ts := newTestServer(t, Config{Now: func() time.Time { return now }, MessageRate: 1, MessageBurst: 5, RateLimitStrikes: 3})
	a, b := dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A") // 1 token used
	b.join("r", "B")
	expect[*signal.PeerJoined](a)
	for i := range 4 {
		a.send(signal.Offer{To: b.peerID, SDP: fmt.Sprint(i)})
	}
	for i := range 4 {
		if m := expect[*signal.Offer](b); m.SDP != fmt.Sprint(i) {
			t.Fatalf("offer %d: %+v", i, m)
		}
	}
	a.send(signal.Offer{To: b.peerID, SDP: "over"})
	a.expectError(signal.CodeRateLimited, "offer")
	a.send(signal.Offer{To: b.peerID, SDP: "over"})
	a.expectError(signal.CodeRateLimited, "offer")
	a.send(signal.Offer{To: b.peerID, SDP: "over"}) // third strike in a row
	if st := a.expectClosed(); st != websocket.StatusPolicyViolation {
		t.Errorf("close status %v, want 1008", st)
	}
	// B got none of the dropped offers; the next thing it sees is A's departure
	// after the grace period... which is long here, so check the metric instead.
	if got := counterValue(t, ts.Server, "rtcterm_signal_errors_total", "rate-limited"); got != 2 {
		t.Errorf("rate-limited errors counted: %v", got)
	}
}

func TestRateLimitJoinsPerIP(t *testing.T) {
	now := time.Unix(1e9, 0)
	clock := func() time.Time { return now }

	// The default admits a room's worth of people from one address at once
	// (at least 20 joins within the same instant).
	ts := newTestServer(t, Config{Now: clock, MaxPeers: 64})
	for i := range 20 {
		dial(t, ts.url).join("r", fmt.Sprint("user", i))
	}

	ts2 := newTestServer(t, Config{Now: clock, JoinRate: 1, JoinBurst: 3})
	for i := range 3 {
		dial(t, ts2.url).join(fmt.Sprint("room", i), "N")
	}
	c := dial(t, ts2.url)
	c.send(signal.Join{Room: "r", UserName: "N"})
	c.expectError(signal.CodeRateLimited, "join")
	c.send(signal.Join{Room: "r", UserName: "N"}) // still limited, connection still open
	c.expectError(signal.CodeRateLimited, "join")
}

func TestSlowConsumerDisconnected(t *testing.T) {
	ts := newTestServer(t, Config{SendQueue: 16, MessageRate: 1e6, MessageBurst: 1e6, PingInterval: time.Hour,
		ConnBytesPerSec: 1e12, InboundBytesPerSec: 1e12}) // the flood must reach the queue, not the byte budget
	a, c := dial(t, ts.url), dial(t, ts.url)
	slow := dialSilent(t, ts.url)
	a.join("r", "A")
	// The silent client cannot read its welcome, so join it by hand.
	slow.send(signal.Join{Room: "r", UserName: "Slow"})
	slowID := expect[*signal.PeerJoined](a).PeerID
	c.join("r", "C")
	expect[*signal.PeerJoined](a)

	// Flood the slow peer with 32 KiB offers (its kernel buffers fill, then
	// its queue), and keep talking to C in between. A's reader keeps going.
	payload := strings.Repeat("z", 32<<10)
	sentToC := 0
	gone := false
	for i := 0; i < 5000 && !gone; i++ {
		a.send(signal.Offer{To: slowID, SDP: payload})
		if i%10 == 0 {
			a.send(signal.Offer{To: c.peerID, SDP: fmt.Sprint(sentToC)})
			sentToC++
		}
		if i%50 == 49 {
			gone = !ts.hasPeer(slowID)
		}
	}
	if !gone {
		t.Fatal("slow consumer was never dropped")
	}
	// A learns the slow peer left (any unknown-peer replies for offers sent
	// after the drop may come first), and C received every offer in order.
	for {
		m := a.recv()
		if pl, ok := m.(*signal.PeerLeft); ok {
			if pl.PeerID != slowID {
				t.Fatalf("peer-left %+v", pl)
			}
			break
		}
		if e, ok := m.(*signal.Error); !ok || e.Code != signal.CodeUnknownPeer {
			t.Fatalf("unexpected %T %+v", m, m)
		}
	}
	next, left := 0, false
	for next < sentToC || !left {
		switch m := c.recv().(type) {
		case *signal.PeerLeft:
			left = m.PeerID == slowID
		case *signal.Offer:
			if m.SDP != fmt.Sprint(next) || m.From != a.peerID {
				t.Fatalf("C got %+v, want offer %d", m, next)
			}
			next++
		default:
			t.Fatalf("C got %T %+v", m, m)
		}
	}
	// The room still works.
	c.send(signal.Answer{To: a.peerID, SDP: "ok"})
	for {
		if m, ok := a.recv().(*signal.Answer); ok {
			if m.SDP != "ok" {
				t.Fatalf("answer %+v", m)
			}
			break
		}
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_peers_dropped_total", "slow-consumer"); got != 1 {
		t.Errorf("slow-consumer drops counted: %v", got)
	}
}

func TestKeepaliveDropsSilentPeer(t *testing.T) {
	// A responsive peer answers a ping within microseconds; 100 ms leaves
	// ample room for a loaded machine while keeping the test short.
	ts := newTestServer(t, Config{PingInterval: 100 * time.Millisecond, ResumeGrace: 50 * time.Millisecond})
	a := dial(t, ts.url)
	a.join("r", "A")
	silent := dialSilent(t, ts.url)
	silent.send(signal.Join{Room: "r", UserName: "Silent"})
	id := expect[*signal.PeerJoined](a).PeerID
	if pl := expect[*signal.PeerLeft](a); pl.PeerID != id {
		t.Errorf("peer-left %+v, want %s", pl, id)
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_peers_dropped_total", "grace-expired"); got != 1 {
		t.Errorf("grace-expired drops: %v", got)
	}
}

func TestOriginRules(t *testing.T) {
	ts := newTestServer(t, Config{AllowOrigins: []string{"*.example.com", "https://app.example.org"}})
	host := ts.addr
	for _, c := range []struct {
		origin string
		ok     bool
	}{
		{"", true}, // non-browser client
		{"http://" + host, true},
		{"https://" + host, true},
		{"https://chat.example.com", true},
		{"https://app.example.org", true},
		{"http://app.example.org", false},
		{"https://evil.com", false},
		{"https://example.com.evil.com", false},
		{"null", false},
	} {
		var opts []dialOpt
		if c.origin != "" {
			opts = append(opts, withOrigin(c.origin))
		}
		cl, err := tryDial(t, ts.url, false, opts...)
		switch {
		case c.ok && err != nil:
			t.Errorf("origin %q refused: %v", c.origin, err)
		case !c.ok && err == nil:
			t.Errorf("origin %q accepted", c.origin)
			cl.ws.CloseNow()
		case !c.ok:
			var de *dialError
			if !errors.As(err, &de) || de.status != http.StatusForbidden {
				t.Errorf("origin %q: %v, want 403", c.origin, err)
			}
		}
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b := dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)
	a.send(signal.Offer{To: b.peerID, SDP: "x"})
	expect[*signal.Offer](b)
	a.sendRaw("junk")
	a.expectError(signal.CodeBadMessage, "")

	base := "http://" + ts.addr
	if body := httpGet(t, base+"/healthz"); body != "ok\n" {
		t.Errorf("healthz %q", body)
	}
	m := httpGet(t, base+"/metrics")
	for _, want := range []string{
		"rtcterm_signal_rooms 1", "rtcterm_signal_peers 2", "rtcterm_signal_connections 2",
		`rtcterm_signal_relayed_messages_total{type="offer"} 1`,
		`rtcterm_signal_errors_total{code="bad-message"} 1`,
		`rtcterm_signal_joins_total{kind="new"} 2`,
		"go_goroutines",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	resp, err := http.Get(base + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestStaticHandler(t *testing.T) {
	static := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "web client") })
	ts := newTestServer(t, Config{Static: static})
	if body := httpGet(t, "http://"+ts.addr+"/"); body != "web client" {
		t.Errorf("static: %q", body)
	}
	if body := httpGet(t, "http://"+ts.addr+"/healthz"); body != "ok\n" {
		t.Errorf("healthz shadowed: %q", body)
	}
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s, err := New(Config{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.ServeTLS(ln, certFile, keyFile) }()
	defer func() {
		if err := s.Shutdown(t.Context()); err != nil {
			t.Error(err)
		}
		<-served
	}()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	ws, _, err := websocket.Dial(t.Context(), "wss://"+ln.Addr().String()+"/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	b, _ := signal.Encode(signal.Join{Room: "r", UserName: "T"})
	if err := ws.Write(t.Context(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	_, data, err := ws.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if m, err := signal.Decode(data); err != nil || m.MessageType() != signal.TypeWelcome {
		t.Fatalf("over TLS got %s, %v", data, err)
	}
}

func TestShutdownClosesConnections(t *testing.T) {
	s, err := New(Config{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	c := dial(t, "ws://"+ln.Addr().String()+"/ws")
	c.join("r", "A")
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if st := c.expectClosed(); st != websocket.StatusGoingAway {
		t.Errorf("close status %v, want 1001", st)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

func counterValue(t *testing.T, s *Server, name, label string) float64 {
	t.Helper()
	mfs, err := s.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// selfSigned writes a certificate for 127.0.0.1 and its key to a temp dir.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "rtcterm test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
