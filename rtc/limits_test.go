package rtc

import (
	"fmt"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// hostileMember starts a session against url with a fresh fake media.
func hostileMember(t *testing.T, url string, tweak func(*Config)) *member {
	t.Helper()
	media := newFakeMedia()
	cfg := testConfig(url, "hostile", "victim", media)
	if tweak != nil {
		tweak(&cfg)
	}
	return startMember(t, cfg, media)
}

// closeWithin closes m's session and fails the test if Close reports its
// own timeout; the time it took is logged (the bound is closeTimeout).
func closeWithin(t *testing.T, m *member) {
	t.Helper()
	start := time.Now()
	if err := m.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %v", time.Since(start))
}

// TestUnknownPeersIgnored (issue 15 row 5): offers and ready-for-offer
// from peer ids no welcome or peer-joined introduced build nothing, and
// introductions beyond Config.MaxPeers are refused, so a hostile server
// cannot make the session open a PeerConnection per made-up id.
func TestUnknownPeersIgnored(t *testing.T) {
	const unknown, introduced, maxPeers = 300, 20, 8
	url := startHostileServer(t, nil, func(c *hostileConn) {
		if c.waitFor(signal.TypeReadyForOffer) == nil { // media is ready
			return
		}
		for i := range unknown {
			id := fmt.Sprintf("ghost-%d", i)
			c.send(t, &signal.ReadyForOffer{From: id})
			c.send(t, &signal.Offer{From: id, SDP: "v=0\r\n"})
		}
		for i := range introduced {
			c.send(t, &signal.PeerJoined{PeerID: fmt.Sprintf("peer-%d", i), UserName: "x"})
		}
		for i := range introduced {
			c.send(t, &signal.ReadyForOffer{From: fmt.Sprintf("peer-%d", i)})
		}
	})
	m := hostileMember(t, url, func(c *Config) { c.MaxPeers = maxPeers })
	// The ready-for-offer of a peer refused at the cap counts as unknown
	// too: it was never taken.
	waitFor(t, 30*time.Second, "every message handled", func() bool {
		d := m.s.Dropped()
		_, pcs := peerCounts(m.s)
		return d.UnknownPeers == 2*unknown+introduced-maxPeers && d.PeersOverCap == introduced-maxPeers && pcs == maxPeers
	})
	peers, pcs := peerCounts(m.s)
	if peers != maxPeers || pcs != maxPeers {
		t.Fatalf("%d peers, %d PeerConnections; want %d of each", peers, pcs, maxPeers)
	}
	for i := range unknown {
		if m.s.peerByID(fmt.Sprintf("ghost-%d", i)) != nil {
			t.Fatalf("ghost-%d was taken as a peer", i)
		}
	}
	waitFor(t, 10*time.Second, "the store sees the capped room", func() bool {
		return store.SelectConnectionCount(m.snapshot()) == maxPeers
	})
	closeWithin(t, m)
}

// TestEarlyCandidateFloodBounded (issue 15 row 4): a server that sends a
// flood of candidates for a peer whose description never comes costs at
// most maxRemoteCandidates buffered in rtc and in the store; the rest are
// counted and dropped, and Close is as quick as ever.
func TestEarlyCandidateFloodBounded(t *testing.T) {
	const flood = 20000
	mid := "0"
	url := startHostileServer(t, []signal.PeerInfo{{PeerID: "h", UserName: "h"}}, func(c *hostileConn) {
		for i := range flood {
			cand := signal.CandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706431 10.0.%d.%d %d typ host", i, i/250%250, i%250+1, 1024+i%60000), SDPMid: &mid}
			if !c.send(t, &signal.ICECandidate{From: "h", Candidate: cand}) {
				return
			}
		}
		c.send(t, &signal.PeerJoined{PeerID: "marker", UserName: "m"})
	})
	m := hostileMember(t, url, nil)
	waitFor(t, 60*time.Second, "the flood handled", func() bool { return m.s.peerByID("marker") != nil })
	if d := m.s.Dropped(); d.Candidates != flood-maxRemoteCandidates {
		t.Errorf("dropped %d candidates, want %d", d.Candidates, flood-maxRemoteCandidates)
	}
	if p := m.s.peerByID("h"); len(p.candidates) != maxRemoteCandidates {
		t.Errorf("rtc buffers %d candidates, want %d", len(p.candidates), maxRemoteCandidates)
	}
	waitFor(t, 10*time.Second, "the store has the marker", func() bool {
		_, ok := m.snapshot().Connections["marker"]
		return ok
	})
	if n := len(store.SelectICECandidates(m.snapshot(), "h")); n != store.MaxBufferedCandidates {
		t.Errorf("the store buffers %d candidates, want %d", n, store.MaxBufferedCandidates)
	}
	closeWithin(t, m)
}

// TestWelcomeAndChurnBounded (issue 15 row 6): a welcome listing thousands
// of peers yields at most Config.MaxPeers of them, and a churn of
// peer-joined and peer-left leaves rtc and the store agreeing.
func TestWelcomeAndChurnBounded(t *testing.T) {
	const listed, churn = 5000, 2000
	var peers []signal.PeerInfo
	for i := range listed {
		peers = append(peers, signal.PeerInfo{PeerID: fmt.Sprintf("w%04d", i), UserName: "w", Media: &signal.MediaState{Audio: true}})
	}
	url := startHostileServer(t, peers, func(c *hostileConn) {
		for i := range churn {
			id := fmt.Sprintf("c%d", i)
			c.send(t, &signal.PeerLeft{PeerID: fmt.Sprintf("w%04d", i)}) // frees a slot
			c.send(t, &signal.PeerJoined{PeerID: id, UserName: "c"})
			c.send(t, &signal.PeerLeft{PeerID: id})
		}
		c.send(t, &signal.PeerJoined{PeerID: "marker", UserName: "m"})
	})
	m := hostileMember(t, url, nil)
	waitFor(t, 60*time.Second, "the churn handled", func() bool { return m.s.peerByID("marker") != nil })
	// The welcome filled the cap; every peer-left freed a slot that the
	// next peer-joined took and gave back; the marker took the last one.
	if n, _ := peerCounts(m.s); n != 1 {
		t.Errorf("rtc keeps %d peers after the churn, want the marker alone", n)
	}
	if d := m.s.Dropped(); d.PeersOverCap != listed-DefaultMaxPeers {
		t.Errorf("%d peers refused, want %d", d.PeersOverCap, listed-DefaultMaxPeers)
	}
	waitFor(t, 30*time.Second, "the store agrees", func() bool {
		ids := store.SelectPeerIDs(m.snapshot())
		return len(ids) == 1 && ids[0] == "marker"
	})
	closeWithin(t, m)
}

// TestMediaStateFloodCoalesced (issue 15 row 6): media-state floods from
// peers while nobody reads Actions take one queued action per peer instead
// of filling the bounded queue, so nothing is dropped blindly and the
// reader, once back, sees each peer's last state and every other action.
func TestMediaStateFloodCoalesced(t *testing.T) {
	const flood = 3 * maxQueuedActions
	url := startHostileServer(t, []signal.PeerInfo{{PeerID: "a", UserName: "a"}, {PeerID: "b", UserName: "b"}}, func(c *hostileConn) {
		if c.waitFor(signal.TypeReadyForOffer) == nil {
			return
		}
		for i := range flood {
			c.send(t, &signal.MediaStateUpdate{From: "a", Audio: i%2 == 0, Video: i == flood-1})
			c.send(t, &signal.MediaStateUpdate{From: "b", Screen: i%3 == 0})
		}
		c.send(t, &signal.PeerLeft{PeerID: "b"})
	})
	media := newFakeMedia()
	s := New(testConfig(url, "hostile", "victim", media))
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(t.Context()) }()
	defer func() {
		_ = s.Close()
		<-runErr
		_ = media.Close()
	}()
	// Nobody reads until the flood and the peer-left after it are handled.
	waitFor(t, 60*time.Second, "the flood handled", func() bool { return s.peerByID("b") == nil && s.peerByID("a") != nil })
	state := store.New()
	deadline := time.After(30 * time.Second)
	for bGone := false; !bGone; {
		select {
		case a := <-s.Actions():
			state = store.Reduce(state, a)
			r, ok := a.(store.RemovePeerConnection)
			bGone = ok && r.PeerID == "b"
		case <-deadline:
			t.Fatal("the queued actions did not arrive")
		}
	}
	if got, want := state.Connections["a"].Media, (store.MediaState{Known: true, Audio: false, Video: true}); got != want {
		t.Errorf("a's media %+v, want the last one sent, %+v", got, want)
	}
	d := s.Dropped()
	if d.Actions != 0 {
		t.Errorf("%d actions dropped", d.Actions)
	}
	if d.Coalesced < 2*flood-maxQueuedActions {
		t.Errorf("only %d media states coalesced", d.Coalesced)
	}
	t.Logf("dropped %+v", d)
}

// TestCloseWithSlowReader (issue 15 row 4, "session did not close in
// time"): a reader that takes 10 ms per action while thousands are queued
// does not hold Close up: once the session ends the reader gets
// forwardGrace in all, not per action, and Close returns well within its
// own bound.
func TestCloseWithSlowReader(t *testing.T) {
	const flood = 3000
	url := startHostileServer(t, nil, func(c *hostileConn) {
		for i := range flood {
			c.send(t, &signal.PeerJoined{PeerID: fmt.Sprintf("p%d", i%50), UserName: "p"})
			c.send(t, &signal.PeerLeft{PeerID: fmt.Sprintf("p%d", i%50)})
		}
		c.send(t, &signal.PeerJoined{PeerID: "marker", UserName: "m"})
	})
	media := newFakeMedia()
	s := New(testConfig(url, "hostile", "victim", media))
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(t.Context()) }()
	read := make(chan struct{})
	go func() {
		defer close(read)
		for range s.Actions() {
			time.Sleep(10 * time.Millisecond) // a UI far behind
		}
	}()
	waitFor(t, 60*time.Second, "the churn handled", func() bool { return s.peerByID("marker") != nil })
	// About 6 000 actions are queued: 60 s at the reader's pace.
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %v with a slow reader", time.Since(start))
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	<-read
	_ = media.Close()
}
