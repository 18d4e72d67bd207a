package server

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

func TestJoinWelcomePeerJoinedPeerLeft(t *testing.T) {
	ice := []signal.ICEServer{{URLs: []string{"stun:stun.example.org:3478"}}}
	ts := newTestServer(t, Config{ICEServers: ice})
	a := dial(t, ts.url)
	wa := a.join("room1", "Alice")
	if wa.Room != "room1" || len(wa.Peers) != 0 || wa.PeerID == "" {
		t.Fatalf("first welcome: %+v", wa)
	}
	if len(wa.ICEServers) != 1 || wa.ICEServers[0].URLs[0] != "stun:stun.example.org:3478" {
		t.Errorf("ice servers: %+v", wa.ICEServers)
	}
	if wa.Resume == nil || wa.Resume.PeerID != wa.PeerID || len(wa.Resume.Secret) < 32 {
		t.Errorf("resume: %+v", wa.Resume)
	}

	b := dial(t, ts.url)
	wb := b.join("room1", "Bob")
	if len(wb.Peers) != 1 || wb.Peers[0] != (signal.PeerInfo{PeerID: wa.PeerID, UserID: "alice", UserName: "Alice"}) {
		t.Fatalf("second welcome peers: %+v", wb.Peers)
	}
	if wb.PeerID == wa.PeerID {
		t.Fatal("peer ids collide")
	}
	pj := expect[*signal.PeerJoined](a)
	if *pj != (signal.PeerJoined{PeerID: wb.PeerID, UserID: "bob", UserName: "Bob"}) {
		t.Errorf("peer-joined: %+v", pj)
	}

	// Another room is invisible.
	c := dial(t, ts.url)
	if wc := c.join("room2", "Carol"); len(wc.Peers) != 0 {
		t.Errorf("room2 welcome lists %+v", wc.Peers)
	}

	b.send(signal.Leave{})
	if got := expect[*signal.PeerLeft](a); got.PeerID != wb.PeerID {
		t.Errorf("peer-left %+v", got)
	}
	if st := b.expectClosed(); st != websocket.StatusNormalClosure {
		t.Errorf("close after leave: %v", st)
	}
	if ts.hasPeer(wb.PeerID) {
		t.Error("leave did not end the membership at once")
	}
}

func TestRelayStampsFrom(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b, c := dial(t, ts.url), dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)
	c.join("r", "C")
	expect[*signal.PeerJoined](a)
	expect[*signal.PeerJoined](b)

	// Directed messages reach only their target, stamped with the sender.
	b.send(signal.ReadyForOffer{To: a.peerID})
	if m := expect[*signal.ReadyForOffer](a); m.From != b.peerID || m.To != a.peerID {
		t.Errorf("ready-for-offer %+v", m)
	}
	a.send(signal.Offer{To: b.peerID, SDP: "v=0 offer"})
	if m := expect[*signal.Offer](b); m.From != a.peerID || m.SDP != "v=0 offer" {
		t.Errorf("offer %+v", m)
	}
	b.send(signal.Answer{To: a.peerID, SDP: "v=0 answer"})
	if m := expect[*signal.Answer](a); m.From != b.peerID || m.SDP != "v=0 answer" {
		t.Errorf("answer %+v", m)
	}
	mid, idx := "0", uint16(0)
	a.send(signal.ICECandidate{To: b.peerID, Candidate: signal.CandidateInit{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", SDPMid: &mid, SDPMLineIndex: &idx}})
	if m := expect[*signal.ICECandidate](b); m.From != a.peerID || *m.Candidate.SDPMid != "0" || m.Candidate.Candidate == "" {
		t.Errorf("ice-candidate %+v", m)
	}

	// ready-for-offer without "to" and media-state go to everyone else.
	c.send(signal.ReadyForOffer{})
	for _, x := range []*tclient{a, b} {
		if m := expect[*signal.ReadyForOffer](x); m.From != c.peerID || m.To != "" {
			t.Errorf("broadcast ready-for-offer %+v", m)
		}
	}
	c.send(signal.MediaStateUpdate{Audio: true, Screen: true})
	for _, x := range []*tclient{a, b} {
		if m := expect[*signal.MediaStateUpdate](x); *m != (signal.MediaStateUpdate{From: c.peerID, Audio: true, Screen: true}) {
			t.Errorf("media-state %+v", m)
		}
	}
	// A latecomer sees the remembered media state; peers that never sent one have none.
	d := dial(t, ts.url)
	w := d.join("r", "D")
	for _, p := range w.Peers {
		switch p.PeerID {
		case c.peerID:
			if p.Media == nil || *p.Media != (signal.MediaState{Audio: true, Screen: true}) {
				t.Errorf("media of C in welcome: %+v", p.Media)
			}
		default:
			if p.Media != nil {
				t.Errorf("media of %s should be absent: %+v", p.UserName, p.Media)
			}
		}
	}
	if len(w.Peers) != 3 || w.Peers[0].UserName != "A" || w.Peers[2].UserName != "C" {
		t.Errorf("welcome peers not in join order: %+v", w.Peers)
	}
}

func TestSpoofedFromIgnored(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b, c := dial(t, ts.url), dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A")
	b.join("r", "B")
	c.join("r", "C")
	// B claims to be C, in a typed field and in raw JSON.
	b.send(signal.Offer{To: a.peerID, From: c.peerID, SDP: "x"})
	b.sendRaw(mustJSON(map[string]any{"type": "media-state", "from": c.peerID, "audio": true}))
	b.sendRaw(`{"type":"answer","to":"` + a.peerID + `","sdp":"y","from":"` + c.peerID + `","From":"` + c.peerID + `"}`)
	for {
		m := a.recv()
		if _, ok := m.(*signal.PeerJoined); ok {
			continue
		}
		var from string
		switch m := m.(type) {
		case *signal.Offer:
			from = m.From
		case *signal.MediaStateUpdate:
			from = m.From
		case *signal.Answer:
			from = m.From
			if from != b.peerID {
				t.Fatalf("answer from %q, want %q", from, b.peerID)
			}
			return
		default:
			t.Fatalf("unexpected %T", m)
		}
		if from != b.peerID {
			t.Fatalf("%s from %q, want the real sender %q", m.MessageType(), from, b.peerID)
		}
	}
}

func TestUnknownPeer(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b := dial(t, ts.url), dial(t, ts.url)
	a.join("r1", "A")
	b.join("r2", "B")
	a.send(signal.Offer{To: b.peerID, SDP: "x"})
	a.expectError(signal.CodeUnknownPeer, "offer")
	a.send(signal.ICECandidate{To: "nobody", Candidate: signal.CandidateInit{Candidate: "c"}})
	a.expectError(signal.CodeUnknownPeer, "ice-candidate")
	a.send(signal.Answer{To: a.peerID, SDP: "x"})
	a.expectError(signal.CodeUnknownPeer, "answer")
	// B saw nothing from room r1: its next message is its own error reply.
	b.send(signal.Offer{To: a.peerID, SDP: "x"})
	b.expectError(signal.CodeUnknownPeer, "offer")
}

func TestMalformedInputKeepsConnection(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := dial(t, ts.url)
	ctx := t.Context()

	// Before join.
	c.sendRaw(`{"type":"offer","to":"x","sdp":"y"}`)
	c.expectError(signal.CodeNotJoined, "offer")
	c.sendRaw(`{"type":"leave"}`)
	c.expectError(signal.CodeNotJoined, "leave")
	c.sendRaw(`not json`)
	c.expectError(signal.CodeBadMessage, "")
	if err := c.ws.Write(ctx, websocket.MessageBinary, []byte(`{"type":"join"}`)); err != nil {
		t.Fatal(err)
	}
	c.expectError(signal.CodeBadMessage, "")

	bad := []struct{ frame, code, ref string }{
		{`{"type":"join","room":"bad room","userName":"N"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"","userName":"N"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":""}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":"evil\n[admin]"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":"abc\u202edef"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":"zw\u200b"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":"` + strings.Repeat("x", 65) + `"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":"r","userName":"N","userId":"a\u0007"}`, signal.CodeBadMessage, "join"},
		{`{"type":"join","room":5,"userName":"N"}`, signal.CodeBadMessage, "join"},
		{`{"type":"hello"}`, signal.CodeUnknownType, "hello"},
		{`{"type":"welcome","peerId":"x"}`, signal.CodeUnknownType, "welcome"},
		{`{"room":"r"}`, signal.CodeBadMessage, ""},
		{`[1,2]`, signal.CodeBadMessage, ""},
	}
	for _, b := range bad {
		c.sendRaw(b.frame)
		c.expectError(b.code, b.ref)
	}

	// Still usable: join works, then the joined-state errors.
	c.join("r", "N")
	for _, b := range []struct{ frame, code, ref string }{
		{`{"type":"join","room":"r","userName":"N"}`, signal.CodeAlreadyJoined, "join"},
		{`{"type":"offer","to":"x"}`, signal.CodeBadMessage, "offer"},
		{`{"type":"offer","sdp":"x"}`, signal.CodeBadMessage, "offer"},
		{`{"type":"ice-candidate","candidate":{}}`, signal.CodeBadMessage, "ice-candidate"},
		{`{"type":"offer","to":"x","sdp":{"a":1}}`, signal.CodeBadMessage, "offer"},
		{`{"type":"media-state","audio":1}`, signal.CodeBadMessage, "media-state"},
		{`{"type":"peer-left","peerId":"x"}`, signal.CodeUnknownType, "peer-left"},
		{`{"type":"nope"}`, signal.CodeUnknownType, "nope"},
		{"{\"type\":\"offer\",\"sdp\":\"\xff\xfe\"}", signal.CodeBadMessage, ""},
		{`{`, signal.CodeBadMessage, ""},
	} {
		c.sendRaw(b.frame)
		c.expectError(b.code, b.ref)
	}
	if err := c.ws.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	c.expectError(signal.CodeBadMessage, "")
	c.send(signal.MediaStateUpdate{Video: true}) // alone in the room: no reply, no error
	c.send(signal.Offer{To: "x", SDP: "y"})
	c.expectError(signal.CodeUnknownPeer, "offer")
}

func TestOversizeFrame(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b := dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A")
	b.join("r", "B")
	expect[*signal.PeerJoined](a)

	big := strings.Repeat("x", signal.MaxFrameBytes)
	a.send(signal.Offer{To: b.peerID, SDP: big}) // over 64 KiB with the envelope
	a.expectError(signal.CodeTooLarge, "")
	// Just under the limit passes, and the connection is still fine.
	a.send(signal.Offer{To: b.peerID, SDP: big[:signal.MaxFrameBytes-200]})
	if m := expect[*signal.Offer](b); len(m.SDP) != signal.MaxFrameBytes-200 {
		t.Errorf("relayed sdp of %d bytes", len(m.SDP))
	}
	// Far over the limit: closed with 1009.
	// The server closes mid-frame, so the write itself may fail.
	_ = a.ws.Write(t.Context(), websocket.MessageText, []byte(strings.Repeat("y", 2<<20)))
	if st := a.expectClosed(); st != websocket.StatusMessageTooBig {
		t.Errorf("close status %v, want 1009", st)
	}
}

func TestRoomFull(t *testing.T) {
	ts := newTestServer(t, Config{MaxPeers: 2})
	a, b, c := dial(t, ts.url), dial(t, ts.url), dial(t, ts.url)
	a.join("r", "A")
	b.join("r", "B")
	c.send(signal.Join{Room: "r", UserName: "C"})
	c.expectError(signal.CodeRoomFull, "join")
	// The connection stays usable: another room works.
	c.join("other", "C")
}

func TestJoinTimeout(t *testing.T) {
	ts := newTestServer(t, Config{JoinTimeout: 50 * time.Millisecond})
	c := dial(t, ts.url)
	if st := c.expectClosed(); st != websocket.StatusPolicyViolation {
		t.Errorf("close status %v, want 1008", st)
	}
}

func TestPeerIDsComeFromConfigRand(t *testing.T) {
	// 16 zero bytes for the id, then 32 for the secret.
	ts := newTestServer(t, Config{Rand: strings.NewReader(strings.Repeat("\x00", 48))})
	c := dial(t, ts.url)
	w := c.join("r", "N")
	if w.PeerID != strings.Repeat("A", 22) || w.Resume.Secret != strings.Repeat("A", 43) {
		t.Errorf("id %q secret %q", w.PeerID, w.Resume.Secret)
	}
	// The source is exhausted: the next join cannot get an id and is closed.
	d := dial(t, ts.url)
	d.send(signal.Join{Room: "r", UserName: "M"})
	if st := d.expectClosed(); st != websocket.StatusInternalError {
		t.Errorf("close status %v, want 1011", st)
	}
}
