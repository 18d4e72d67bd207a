package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livekit/protocol/auth"

	"github.com/rtcterm/rtcterm/signal"
)

const (
	sfuTestURL    = "ws://127.0.0.1:7880"
	sfuTestKey    = "test-key"
	sfuTestSecret = "test-secret-0123456789-abcdefghijklmnop"
)

// fakeSFU mints real LiveKit tokens but answers the pre-flight from a
// script: the first len(fail) checks fail with those errors.
type fakeSFU struct {
	LiveKit
	mu    sync.Mutex
	fail  []error
	calls []time.Time
	rooms []string
}

func newFakeSFU(fail ...error) *fakeSFU {
	return &fakeSFU{LiveKit: LiveKit{URL: sfuTestURL, APIKey: sfuTestKey, APISecret: sfuTestSecret}, fail: fail}
}

func (f *fakeSFU) Preflight(_ context.Context, room string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	f.rooms = append(f.rooms, room)
	if len(f.calls) <= len(f.fail) {
		return f.fail[len(f.calls)-1]
	}
	return nil
}

func (f *fakeSFU) callTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.calls...)
}

func sfuConfig(b SFUBackend, at int) Config {
	return Config{SFU: b, SFUURL: sfuTestURL, SFUAt: at, Logger: discard()}
}

// nextOf skips frames until one of type T arrives.
func nextOf[T signal.Message](c *tclient) T {
	c.t.Helper()
	for {
		if v, ok := c.recv().(T); ok {
			return v
		}
	}
}

// checkToken verifies a minted token with the secret and checks its
// claims: identity, name, the room grant and a ten-minute life.
func checkToken(t *testing.T, tok, identity, name, room string) {
	t.Helper()
	v, err := auth.ParseAPIToken(tok)
	if err != nil {
		t.Fatalf("token does not parse: %v", err)
	}
	if v.APIKey() != sfuTestKey {
		t.Errorf("token key %q", v.APIKey())
	}
	if _, _, err := v.Verify("wrong-secret-0123456789-abcdefghijklmn"); err == nil {
		t.Error("token verifies with a wrong secret")
	}
	reg, grants, err := v.Verify(sfuTestSecret)
	if err != nil {
		t.Fatalf("token does not verify with the secret: %v", err)
	}
	if grants.Identity != identity || grants.Name != name {
		t.Errorf("token identity %q name %q, want %q %q", grants.Identity, grants.Name, identity, name)
	}
	g := grants.Video
	if g == nil || !g.RoomJoin || g.Room != room || !g.GetCanPublish() || !g.GetCanSubscribe() || !g.GetCanPublishData() || g.RoomCreate || g.RoomAdmin {
		t.Errorf("token video grant %+v, want join/publish/subscribe/data for %s only", g, room)
	}
	if life := reg.ExpiresAt.Sub(reg.NotBefore.Time); life < 9*time.Minute || life > 11*time.Minute {
		t.Errorf("token valid for %v, want 10 min", life)
	}
}

// TestSFUSwitchAtThreshold: the room stays on the mesh below the switch
// point; the member that brings it there makes the server check LiveKit
// and send every member sfu-switch with a token of its own. Signaling
// (presence, chat) goes on, and a later joiner's welcome carries sfu.
func TestSFUSwitchAtThreshold(t *testing.T) {
	sfu := newFakeSFU()
	ts := newTestServer(t, sfuConfig(sfu, 3))
	a, b := controlPair(t, ts, "standup")
	if n := len(sfu.callTimes()); n != 0 {
		t.Fatalf("pre-flight with 2 members: %d calls", n)
	}
	c := dial(t, ts.url)
	wc := c.join("standup", "C")
	if wc.SFU != nil {
		t.Fatalf("the third member's welcome already has sfu: %+v", wc.SFU)
	}
	members := map[*tclient]string{a: "A", b: "B", c: "C"}
	for cl, name := range members {
		sw := nextOf[*signal.SFUSwitch](cl)
		if sw.URL != sfuTestURL || sw.Room != "rtcterm-standup" || sw.Reason != "the room reached 3 people" {
			t.Errorf("%s got %+v", name, sw)
		}
		checkToken(t, sw.Token, cl.peerID, name, "rtcterm-standup")
	}
	if got := sfu.rooms; len(got) != 1 || got[0] != "rtcterm-standup" {
		t.Errorf("pre-flight rooms %v", got)
	}
	if v := metricValue(t, ts.Server, "rtcterm_signal_rooms_by_mode", "sfu"); v != 1 {
		t.Errorf("sfu rooms %v, want 1", v)
	}
	if v := metricValue(t, ts.Server, "rtcterm_signal_rooms_by_mode", "mesh"); v != 0 {
		t.Errorf("mesh rooms %v, want 0", v)
	}

	// Members report their LiveKit room; a repeat is not counted twice.
	a.send(signal.SFUJoined{})
	a.send(signal.SFUJoined{})
	b.send(signal.SFUJoined{})
	waitFor(t, "two switched members", func() bool {
		return metricValue(t, ts.Server, "rtcterm_signal_sfu_switched_members_total", "") == 2
	})

	// A member's word that it gets a peer's media on LiveKit reaches that
	// peer alone, from the sender (a forged from is replaced).
	a.send(signal.SFUReceiving{To: b.peerID, From: c.peerID})
	if r := nextOf[*signal.SFUReceiving](b); r.From != a.peerID || r.To != b.peerID {
		t.Errorf("b got %+v, want from %s", r, a.peerID)
	}
	a.send(signal.SFUReceiving{})
	if e := nextOf[*signal.Error](a); e.Code != signal.CodeBadMessage || e.Ref != signal.TypeSFUReceiving {
		t.Errorf("sfu-receiving without to: %+v", e)
	}

	// Signaling stays: chat reaches everyone, a joiner goes straight to LiveKit.
	a.send(signal.Chat{Text: "still here"})
	for cl := range members {
		if ch := nextOf[*signal.Chat](cl); ch.Text != "still here" {
			t.Errorf("chat %q", ch.Text)
		}
	}
	d := dial(t, ts.url)
	wd := d.join("standup", "D")
	if wd.SFU == nil || wd.SFU.Room != "rtcterm-standup" || wd.SFU.Reason != "the room is on LiveKit (4 people)" {
		t.Fatalf("late joiner's welcome sfu = %+v", wd.SFU)
	}
	checkToken(t, wd.SFU.Token, wd.PeerID, "D", "rtcterm-standup")
	if pj := nextOf[*signal.PeerJoined](a); pj.PeerID != wd.PeerID {
		t.Errorf("peer-joined %+v", pj)
	}
	if n := len(sfu.callTimes()); n != 1 {
		t.Errorf("%d pre-flights, want 1 (the room is on LiveKit already)", n)
	}
	for _, want := range []struct {
		name, label string
		v           float64
	}{
		{"rtcterm_signal_sfu_switch_attempts_total", "", 1},
		{"rtcterm_signal_sfu_rooms_switched_total", "", 1},
		{"rtcterm_signal_sfu_switch_failures_total", "unreachable", 0},
	} {
		if v := metricValue(t, ts.Server, want.name, want.label); v != want.v {
			t.Errorf("%s{%s} = %v, want %v", want.name, want.label, v, want.v)
		}
	}
}

// TestSFUPreflightFailureNotice: LiveKit down keeps the room on the mesh;
// every member gets a notice saying why and when the retry comes, the
// failure is counted, and the retry moves the room.
func TestSFUPreflightFailureNotice(t *testing.T) {
	sfu := newFakeSFU(fmt.Errorf("%w (dial tcp 127.0.0.1:7880: connect: connection refused\x1b[2J)", ErrSFUUnreachable))
	ts := newTestServer(t, sfuConfig(sfu, 2))
	a, b := controlPair(t, ts, "r")
	for _, cl := range []*tclient{a, b} {
		n := nextOf[*signal.Notice](cl)
		want := "staying on the mesh: LiveKit unreachable (dial tcp 127.0.0.1:7880: connect: connection refused [2J); retrying in 1 s"
		if n.Level != signal.NoticeWarn || n.Message != want {
			t.Errorf("notice %+v, want warn %q", n, want)
		}
	}
	for _, cl := range []*tclient{a, b} {
		nextOf[*signal.SFUSwitch](cl)
	}
	if v := metricValue(t, ts.Server, "rtcterm_signal_sfu_switch_failures_total", "unreachable"); v != 1 {
		t.Errorf("failures %v, want 1", v)
	}
	if v := metricValue(t, ts.Server, "rtcterm_signal_sfu_switch_attempts_total", ""); v != 2 {
		t.Errorf("attempts %v, want 2", v)
	}
}

// TestSFURetryBackoff runs the retries on virtual time: LiveKit refusing
// the key six times is retried after 1, 2, 4, 8, 16 and 30 s (capped),
// each failure tells the members, and the seventh check moves the room.
func TestSFURetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errs := make([]error, 6)
		for i := range errs {
			errs[i] = fmt.Errorf("%w (invalid API key)", ErrSFURefused)
		}
		sfu := newFakeSFU(errs...)
		s, err := New(sfuConfig(sfu, 2))
		if err != nil {
			t.Fatal(err)
		}
		r := addTestRoom(s, "r", "A", "B")
		start := time.Now()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		var offsets []time.Duration
		for _, c := range sfu.callTimes() {
			offsets = append(offsets, c.Sub(start))
		}
		want := []time.Duration{0, 1, 3, 7, 15, 31, 61}
		if len(offsets) != len(want) {
			t.Fatalf("pre-flights at %v, want at %v s", offsets, want)
		}
		for i := range want {
			if offsets[i] != want[i]*time.Second {
				t.Fatalf("pre-flights at %v, want at %v s", offsets, want)
			}
		}
		frames := drainOutbox(r.members[0])
		var retries []string
		switched := 0
		for _, m := range frames {
			switch m := m.(type) {
			case *signal.Notice:
				_, after, _ := strings.Cut(m.Message, "retrying in ")
				retries = append(retries, after)
				if !strings.Contains(m.Message, "LiveKit refused the server's key (invalid API key)") {
					t.Errorf("notice %q", m.Message)
				}
			case *signal.SFUSwitch:
				switched++
			}
		}
		if got := strings.Join(retries, ","); got != "1 s,2 s,4 s,8 s,16 s,30 s" || switched != 1 {
			t.Errorf("notices say retrying in %s; %d switches, want 1", got, switched)
		}
		if v := metricValue(t, s, "rtcterm_signal_sfu_switch_failures_total", "refused"); v != 6 {
			t.Errorf("refused failures %v, want 6", v)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSFUNoRetryBelowThreshold: a room that shrank below the switch point
// while LiveKit was down is not retried; growing again starts over.
func TestSFUNoRetryBelowThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sfu := newFakeSFU(ErrSFUUnreachable, ErrSFUUnreachable)
		s, err := New(sfuConfig(sfu, 2))
		if err != nil {
			t.Fatal(err)
		}
		r := addTestRoom(s, "r", "A", "B")
		synctest.Wait() // the first check failed, a retry is due in 1 s
		s.mu.Lock()
		s.removePeerLocked(r.members[1], "leave")
		s.mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(sfu.callTimes()); n != 1 {
			t.Fatalf("%d pre-flights after the room shrank, want 1", n)
		}
		addTestMember(s, r, "C")
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(sfu.callTimes()); n != 3 || r.mode != modeSFU {
			t.Fatalf("%d pre-flights, mode %s; want 3 and sfu", n, r.mode)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSFUBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 100: 30 * time.Second} {
		if got := sfuBackoff(attempt); got != want {
			t.Errorf("sfuBackoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

// TestSFUConfigRefused: New refuses an SFU without a ws(s) URL or with a
// switch point outside 2–1000.
func TestSFUConfigRefused(t *testing.T) {
	for _, c := range []Config{
		{SFU: newFakeSFU(), SFUURL: "http://127.0.0.1:7880"},
		{SFU: newFakeSFU(), SFUURL: ""},
		{SFU: newFakeSFU(), SFUURL: sfuTestURL, SFUAt: 1},
		{SFU: newFakeSFU(), SFUURL: sfuTestURL, SFUAt: 1001},
	} {
		c.Logger = discard()
		if _, err := New(c); !errors.Is(err, ErrBadSFUConfig) {
			t.Errorf("New(%q, at %d) = %v, want ErrBadSFUConfig", c.SFUURL, c.SFUAt, err)
		}
	}
}

// TestLiveKitPreflightErrors: the LiveKit backend tells a refused key
// from an unreachable host, against a fake twirp endpoint and a closed port.
func TestLiveKitPreflightErrors(t *testing.T) {
	var gotAuth string
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":"unauthenticated","msg":"invalid API key"}`)
	}))
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	lk := LiveKit{URL: "ws" + strings.TrimPrefix(h.URL, "http"), APIKey: sfuTestKey, APISecret: sfuTestSecret}
	if err := lk.Preflight(ctx, "rtcterm-r"); !errors.Is(err, ErrSFURefused) {
		t.Errorf("refused key: %v, want ErrSFURefused", err)
	}
	if !strings.HasPrefix(gotAuth, "Bearer ") {
		t.Errorf("pre-flight sent no bearer token: %q", gotAuth)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	lk.URL = "ws://" + addr
	err = lk.Preflight(ctx, "rtcterm-r")
	if !errors.Is(err, ErrSFUUnreachable) {
		t.Errorf("closed port: %v, want ErrSFUUnreachable", err)
	}
	if want := "LiveKit unreachable (dial tcp " + addr + ": connect: connection refused)"; err == nil || err.Error() != want {
		t.Errorf("closed port: %q, want %q", err, want)
	}
}

// addTestRoom makes a room of members without connections and runs the
// switch check, as a join does.
func addTestRoom(s *Server, name string, users ...string) *room {
	s.mu.Lock()
	r := &room{name: name}
	s.rooms[name] = r
	s.metrics.rooms.Inc()
	s.setModeLocked(r, modeMesh)
	s.mu.Unlock()
	for _, u := range users {
		addTestMember(s, r, u)
	}
	return r
}

func addTestMember(s *Server, r *room, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &peer{id: "id-" + user, room: r, userName: user, out: newOutbox(s.cfg.SendQueue, s.cfg.SendQueueBytes), chat: newChatLimiter(s.cfg)}
	r.members = append(r.members, p)
	s.peers[p.id] = p
	s.metrics.peers.Inc()
	s.sfuCheckLocked(r)
}

// drainOutbox decodes every frame queued for p.
func drainOutbox(p *peer) []signal.Message {
	var out []signal.Message
	for {
		b, ok := p.out.pop()
		if !ok {
			return out
		}
		if m, err := signal.Decode(b); err == nil {
			out = append(out, m)
		}
	}
}
