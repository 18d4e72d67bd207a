package server

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/signal"
)

func TestResumeWithinGrace(t *testing.T) {
	ts := newTestServer(t, Config{ResumeGrace: time.Hour})
	a, b := dial(t, ts.url), dial(t, ts.url)
	wa := a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)

	a.ws.CloseNow() // connection lost, no leave
	waitFor(t, "the server to notice A's disconnect", func() bool { return ts.detached(wa.PeerID) })
	// Messages for A while it is away are queued.
	for i := range 3 {
		b.send(signal.Offer{To: wa.PeerID, SDP: fmt.Sprint(i)})
	}
	b.send(signal.MediaStateUpdate{Audio: true})

	a2 := dial(t, ts.url)
	a2.send(signal.Join{Room: "r", UserName: "A", Resume: wa.Resume})
	w := expect[*signal.Welcome](a2)
	if w.PeerID != wa.PeerID {
		t.Fatalf("resume gave a new id %s, want %s", w.PeerID, wa.PeerID)
	}
	if w.Resume == nil || w.Resume.Secret == wa.Resume.Secret || w.Resume.PeerID != wa.PeerID {
		t.Errorf("welcome after resume must carry a fresh secret: %+v", w.Resume)
	}
	if len(w.Peers) != 1 || w.Peers[0].PeerID != b.peerID {
		t.Errorf("peers %+v", w.Peers)
	}
	for i := range 3 {
		if m := expect[*signal.Offer](a2); m.SDP != fmt.Sprint(i) || m.From != b.peerID {
			t.Fatalf("queued offer %d: %+v", i, m)
		}
	}
	expect[*signal.MediaStateUpdate](a2)

	// B never saw A leave or rejoin: its next message is A's fresh answer.
	a2.send(signal.Answer{To: b.peerID, SDP: "back"})
	if m := expect[*signal.Answer](b); m.From != wa.PeerID || m.SDP != "back" {
		t.Errorf("answer %+v", m)
	}
}

func TestResumeSecretIsOneTime(t *testing.T) {
	ts := newTestServer(t, Config{ResumeGrace: time.Hour})
	a, b := dial(t, ts.url), dial(t, ts.url)
	wa := a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)

	// Resuming while the old connection is still open takes it over.
	a2 := dial(t, ts.url)
	a2.send(signal.Join{Room: "r", UserName: "A", Resume: wa.Resume})
	w2 := expect[*signal.Welcome](a2)
	if w2.PeerID != wa.PeerID {
		t.Fatalf("resume over a live connection gave a new id")
	}
	a.expectClosed()

	// The first secret is spent: presenting it again makes a new peer.
	a3 := dial(t, ts.url)
	a3.send(signal.Join{Room: "r", UserName: "A", Resume: wa.Resume})
	w3 := expect[*signal.Welcome](a3)
	if w3.PeerID == wa.PeerID {
		t.Fatal("a used resume secret was accepted twice")
	}
	if pj := expect[*signal.PeerJoined](b); pj.PeerID != w3.PeerID {
		t.Errorf("peer-joined %+v", pj)
	}
	// A wrong secret, or the right one for another room, is refused too.
	for _, j := range []signal.Join{
		{Room: "r", UserName: "X", Resume: &signal.Resume{PeerID: wa.PeerID, Secret: "guess"}},
		{Room: "elsewhere", UserName: "X", Resume: w2.Resume},
		{Room: "r", UserName: "X", Resume: &signal.Resume{PeerID: wa.PeerID, Secret: ""}},
	} {
		c := dial(t, ts.url)
		c.send(j)
		if w := expect[*signal.Welcome](c); w.PeerID == wa.PeerID {
			t.Errorf("resume %+v accepted", j)
		}
	}
}

func TestResumeAfterGrace(t *testing.T) {
	ts := newTestServer(t, Config{ResumeGrace: 50 * time.Millisecond})
	a, b := dial(t, ts.url), dial(t, ts.url)
	wa := a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)

	a.ws.CloseNow()
	if pl := expect[*signal.PeerLeft](b); pl.PeerID != wa.PeerID {
		t.Fatalf("peer-left %+v", pl)
	}
	a2 := dial(t, ts.url)
	a2.send(signal.Join{Room: "r", UserName: "A", Resume: wa.Resume})
	w := expect[*signal.Welcome](a2)
	if w.PeerID == wa.PeerID {
		t.Fatal("resume accepted after the grace period")
	}
	if pj := expect[*signal.PeerJoined](b); pj.PeerID != w.PeerID {
		t.Errorf("peer-joined %+v", pj)
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_peers_dropped_total", "grace-expired"); got != 1 {
		t.Errorf("grace-expired drops: %v", got)
	}
}

func TestResumeSkipsTokenCheck(t *testing.T) {
	// The resume secret proves an earlier authorised join, so a client whose
	// token expired during a long call can still come back.
	secret := []byte("k")
	now := time.Unix(2e9, 0)
	var clock atomic.Int64
	clock.Store(now.Unix())
	ts := newTestServer(t, Config{TokenSecret: secret, ResumeGrace: time.Hour, Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	tok, _ := NewToken(secret, "r", "A", time.Minute, now)
	a := dial(t, ts.url)
	a.send(signal.Join{Room: "r", UserName: "x", Token: tok})
	wa := expect[*signal.Welcome](a)
	clock.Store(now.Add(time.Hour).Unix()) // the token has expired
	a.ws.CloseNow()
	waitFor(t, "detach", func() bool { return ts.detached(wa.PeerID) })
	a2 := dial(t, ts.url)
	a2.send(signal.Join{Room: "r", UserName: "x", Resume: wa.Resume})
	if w := expect[*signal.Welcome](a2); w.PeerID != wa.PeerID {
		t.Fatal("resume without token refused")
	}
}
