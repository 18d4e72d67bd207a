package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// withPeer returns a state holding one peer in the given status.
func withPeer(t *testing.T, id string, st Status) State {
	t.Helper()
	s := Reduce(New(), AddPeerConnection{PeerID: id, UserID: "u-" + id, UserName: "Name " + id, At: t0})
	path := map[Status][]Status{
		StatusConnecting:   nil,
		StatusConnected:    {StatusConnected},
		StatusDisconnected: {StatusConnected, StatusDisconnected},
		StatusFailed:       {StatusFailed},
		StatusClosed:       {StatusClosed},
	}[st]
	for _, p := range path {
		var err error
		if s, err = Apply(s, UpdateConnectionStatus{PeerID: id, Status: p, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestInitialState(t *testing.T) {
	s := New()
	if !s.AudioEnabled || !s.VideoEnabled || s.ScreenSharing || s.Loading || s.Error != "" || s.LocalStream != nil {
		t.Fatalf("unexpected initial state %+v", s)
	}
}

func TestInitializeLocalStream(t *testing.T) {
	tracks := []Track{{Kind: "video", Label: "test pattern", Synthetic: true}, {Kind: "audio", Label: "tone", Synthetic: true}}
	s := Reduce(New(), InitializeLocalStream{Stream: LocalStream{Tracks: tracks}})
	if s.LocalStream == nil || len(s.LocalStream.Tracks) != 2 || !s.LocalStream.Synthetic() {
		t.Fatalf("stream not stored: %+v", s.LocalStream)
	}
	tracks[0].Label = "changed"
	if s.LocalStream.Tracks[0].Label != "test pattern" {
		t.Fatal("state shares the caller's track slice")
	}
	if v, ok := s.LocalStream.Track("audio"); !ok || v.Label != "tone" {
		t.Fatalf("Track(audio) = %+v %v", v, ok)
	}
}

func TestAddPeerConnection(t *testing.T) {
	s := Reduce(New(), AddPeerConnection{PeerID: "p1", UserID: "u1", UserName: "Ada", At: t0})
	c, ok := s.Connections["p1"]
	if !ok || c.Status != StatusConnecting || c.UserID != "u1" || c.UserName != "Ada" || !c.Stats.LastUpdated.Equal(t0) || c.Epoch == 0 {
		t.Fatalf("bad connection %+v", c)
	}
	again := Reduce(s, AddPeerConnection{PeerID: "p1", UserName: "Other"})
	if again.Connections["p1"].UserName != "Ada" {
		t.Fatal("re-adding an existing peer replaced it")
	}
	if n := len(Reduce(s, AddPeerConnection{}).Connections); n != 1 {
		t.Fatalf("empty peer id added: %d peers", n)
	}
}

func TestUpdateConnectionStatus(t *testing.T) {
	t1 := t0.Add(time.Minute)
	cases := []struct {
		from, to Status
		legal    bool
	}{
		{StatusConnecting, StatusConnected, true},
		{StatusConnecting, StatusFailed, true},
		{StatusConnecting, StatusClosed, true},
		{StatusConnecting, StatusDisconnected, false},
		{StatusConnected, StatusDisconnected, true},
		{StatusConnected, StatusFailed, true},
		{StatusConnected, StatusClosed, true},
		{StatusConnected, StatusConnecting, false},
		{StatusDisconnected, StatusConnected, true},
		{StatusDisconnected, StatusConnecting, true},
		{StatusDisconnected, StatusFailed, true},
		{StatusDisconnected, StatusClosed, true},
		{StatusFailed, StatusConnecting, true},
		{StatusFailed, StatusDisconnected, true},
		{StatusFailed, StatusClosed, true},
		{StatusFailed, StatusConnected, false},
		{StatusClosed, StatusConnecting, false},
		{StatusClosed, StatusConnected, false},
		{StatusClosed, StatusFailed, false},
		{StatusConnected, Status("bogus"), false},
		{StatusConnected, StatusConnected, true},
	}
	for _, tc := range cases {
		t.Run(string(tc.from)+"→"+string(tc.to), func(t *testing.T) {
			s := withPeer(t, "p", tc.from)
			next, err := Apply(s, UpdateConnectionStatus{PeerID: "p", Status: tc.to, At: t1})
			if tc.legal != (err == nil) {
				t.Fatalf("legal=%v but err=%v", tc.legal, err)
			}
			if !tc.legal {
				if !errors.Is(err, ErrIllegalTransition) {
					t.Fatalf("err %v is not ErrIllegalTransition", err)
				}
				if !reflect.DeepEqual(next, s) {
					t.Fatal("illegal transition changed the state")
				}
				return
			}
			c := next.Connections["p"]
			if c.Status != tc.to {
				t.Fatalf("status %s, want %s", c.Status, tc.to)
			}
			if tc.to == StatusConnected && tc.from != StatusConnected && !c.ConnectedAt.Equal(t1) {
				t.Fatalf("connectedAt %v not set", c.ConnectedAt)
			}
			if tc.from == StatusConnected && tc.to != StatusConnected && !c.DisconnectedAt.Equal(t1) {
				t.Fatalf("disconnectedAt %v not set on leaving connected", c.DisconnectedAt)
			}
			if tc.to == StatusConnecting && c.Epoch == s.Connections["p"].Epoch {
				t.Fatal("reconnecting kept the old epoch")
			}
		})
	}
	if _, err := Apply(New(), UpdateConnectionStatus{PeerID: "nobody", Status: StatusConnected}); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("unknown peer: err %v", err)
	}
}

func TestConnectedClearsErrorAndRecovery(t *testing.T) {
	s := withPeer(t, "p", StatusFailed)
	s = Reduce(s, SetConnectionError{PeerID: "p", Error: "ICE Connection Failed"})
	s = Reduce(s, UpdateRecovery{PeerID: "p", Recovery: Recovery{Attempt: 2, MaxAttempts: 5}})
	s = Reduce(s, UpdateConnectionStatus{PeerID: "p", Status: StatusConnecting})
	s = Reduce(s, UpdateConnectionStatus{PeerID: "p", Status: StatusConnected})
	c := s.Connections["p"]
	if c.Error != "" || c.Recovery.Attempt != 0 {
		t.Fatalf("connected kept error %q / recovery %+v", c.Error, c.Recovery)
	}
}

func TestUpdateConnectionStats(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	for i := range HistoryLen + 5 {
		at := t0.Add(time.Duration(i) * time.Second)
		s = Reduce(s, UpdateConnectionStats{PeerID: "p", At: at, Stats: Stats{RTTMillis: float64(i), RecvKbps: 100, LossPct: 1.5}})
	}
	c := s.Connections["p"]
	if c.Stats.RTTMillis != HistoryLen+4 || c.Stats.RecvKbps != 100 || !c.Stats.LastUpdated.Equal(t0.Add((HistoryLen+4)*time.Second)) {
		t.Fatalf("stats %+v", c.Stats)
	}
	if len(c.History) != HistoryLen || c.History[0].RTTMillis != 5 || c.History[HistoryLen-1].RTTMillis != HistoryLen+4 {
		t.Fatalf("history len %d first %v last %v", len(c.History), c.History[0], c.History[len(c.History)-1])
	}
	if _, err := Apply(s, UpdateConnectionStats{PeerID: "x"}); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("unknown peer stats: %v", err)
	}
}

func TestHistoryNotShared(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	s = Reduce(s, UpdateConnectionStats{PeerID: "p", Stats: Stats{RTTMillis: 1}})
	a := Reduce(s, UpdateConnectionStats{PeerID: "p", Stats: Stats{RTTMillis: 2}})
	b := Reduce(s, UpdateConnectionStats{PeerID: "p", Stats: Stats{RTTMillis: 3}})
	if a.Connections["p"].History[1].RTTMillis != 2 || b.Connections["p"].History[1].RTTMillis != 3 {
		t.Fatal("two successor states share a history array")
	}
}

func TestRemovePeerConnection(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	s = Reduce(s, AddICECandidate{PeerID: "p", Candidate: Candidate{Candidate: "candidate:1"}})
	s = Reduce(s, StorePendingOffer{PeerID: "p", Description: SessionDescription{Type: "offer", SDP: "v=0"}})
	s = Reduce(s, RemovePeerConnection{PeerID: "p"})
	if len(s.Connections) != 0 || len(s.ICECandidates) != 0 || len(s.PendingOffers) != 0 {
		t.Fatalf("peer not fully removed: %+v", s)
	}
	if _, err := Apply(s, RemovePeerConnection{PeerID: "p"}); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("second remove: %v", err)
	}
}

func TestToggles(t *testing.T) {
	s := Reduce(New(), ToggleAudio{Enabled: false})
	s = Reduce(s, ToggleVideo{Enabled: false})
	s = Reduce(s, ToggleScreenShare{Enabled: true})
	if s.AudioEnabled || s.VideoEnabled || !s.ScreenSharing {
		t.Fatalf("toggles not applied: %+v", s)
	}
	if SelectMediaEnabled(s) {
		t.Fatal("media enabled with audio and video off")
	}
	s = Reduce(s, ToggleAudio{Enabled: true})
	if !s.AudioEnabled || !SelectMediaEnabled(s) {
		t.Fatal("audio back on not applied")
	}
}

func TestICECandidates(t *testing.T) {
	s := withPeer(t, "p", StatusConnecting)
	s = Reduce(s, AddICECandidate{PeerID: "p", Candidate: Candidate{Candidate: "a"}})
	s = Reduce(s, AddICECandidate{PeerID: "p", Candidate: Candidate{Candidate: "b", SDPMid: "0"}})
	got := SelectICECandidates(s, "p")
	if len(got) != 2 || got[0].Candidate != "a" || got[1].SDPMid != "0" {
		t.Fatalf("buffered %+v", got)
	}
	s = Reduce(s, ICECandidatesApplied{PeerID: "p"})
	if len(SelectICECandidates(s, "p")) != 0 {
		t.Fatal("candidates not cleared once applied")
	}
	if _, err := Apply(s, AddICECandidate{PeerID: "nobody"}); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("candidate for unknown peer: %v", err)
	}
}

// TestCandidateBufferBounded: a flood of early candidates keeps at most
// MaxBufferedCandidates per peer, counts the rest, and each step copies at
// most that many, never the whole flood.
func TestCandidateBufferBounded(t *testing.T) {
	s := withPeer(t, "p", StatusConnecting)
	for i := range 10 * MaxBufferedCandidates {
		s = Reduce(s, AddICECandidate{PeerID: "p", Candidate: Candidate{Candidate: fmt.Sprint(i)}})
	}
	got := SelectICECandidates(s, "p")
	if len(got) != MaxBufferedCandidates || got[0].Candidate != "0" || got[len(got)-1].Candidate != fmt.Sprint(MaxBufferedCandidates-1) {
		t.Fatalf("buffered %d candidates, first %q", len(got), got[0].Candidate)
	}
	if s.CandidatesDropped != 9*MaxBufferedCandidates {
		t.Fatalf("dropped %d, want %d", s.CandidatesDropped, 9*MaxBufferedCandidates)
	}
	s = Reduce(s, ICECandidatesApplied{PeerID: "p"})
	s = Reduce(s, AddICECandidate{PeerID: "p", Candidate: Candidate{Candidate: "after"}})
	if got := SelectICECandidates(s, "p"); len(got) != 1 {
		t.Fatalf("after applying, %d buffered", len(got))
	}
}

// TestRepeatedMediaStateKeepsState: a media state or error equal to the
// current one returns the very same maps, so a flood of repeats copies
// nothing.
func TestRepeatedMediaStateKeepsState(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	s = Reduce(s, UpdateRemoteMedia{PeerID: "p", Audio: true})
	s = Reduce(s, SetConnectionError{PeerID: "p", Error: "e"})
	for _, a := range []Action{UpdateRemoteMedia{PeerID: "p", Audio: true}, SetConnectionError{PeerID: "p", Error: "e"}} {
		next := Reduce(s, a)
		if reflect.ValueOf(next.Connections).UnsafePointer() != reflect.ValueOf(s.Connections).UnsafePointer() {
			t.Errorf("%T repeat copied the connections map", a)
		}
	}
	if next := Reduce(s, UpdateRemoteMedia{PeerID: "p", Video: true}); !next.Connections["p"].Media.Video {
		t.Error("a changed media state was not applied")
	}
}

func TestPendingOffers(t *testing.T) {
	s := withPeer(t, "p", StatusConnecting)
	offer := SessionDescription{Type: "offer", SDP: "v=0"}
	s = Reduce(s, StorePendingOffer{PeerID: "p", Description: offer})
	if got, ok := SelectPendingOffer(s, "p"); !ok || got != offer {
		t.Fatalf("pending offer %+v %v", got, ok)
	}
	s = Reduce(s, TakePendingOffer{PeerID: "p"})
	if _, ok := SelectPendingOffer(s, "p"); ok {
		t.Fatal("offer still pending after take")
	}
	if _, err := Apply(s, StorePendingOffer{PeerID: "x"}); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("offer from unknown peer: %v", err)
	}
}

func TestSetConnectionError(t *testing.T) {
	s := withPeer(t, "p", StatusConnecting)
	s = Reduce(s, SetConnectionError{Error: "Connection failed"})
	if SelectRTCError(s) != "Connection failed" {
		t.Fatalf("global error %q", s.Error)
	}
	s = Reduce(s, SetConnectionError{PeerID: "p", Error: "DTLS Handshake Failed"})
	if s.Connections["p"].Error != "DTLS Handshake Failed" || s.Error != "Connection failed" {
		t.Fatal("peer error misplaced")
	}
	s = Reduce(s, SetConnectionError{})
	if s.Error != "" {
		t.Fatal("error not cleared")
	}
}

func TestRemoteMediaFingerprintRecovery(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	if s.Connections["p"].Media.Known {
		t.Fatal("media known before any media-state")
	}
	s = Reduce(s, UpdateRemoteMedia{PeerID: "p", Audio: false, Video: true})
	if m := s.Connections["p"].Media; !m.Known || m.Audio || !m.Video || m.Screen {
		t.Fatalf("media %+v", m)
	}
	s = Reduce(s, SetPeerFingerprint{PeerID: "p", Fingerprint: "sha-256 AB:CD"})
	s = Reduce(s, SetLocalFingerprint{PeerID: "p", Fingerprint: "sha-256 EF:01"})
	s = Reduce(s, UpdateRecovery{PeerID: "p", Recovery: Recovery{Attempt: 3, MaxAttempts: 5, NextAt: t0}})
	c := s.Connections["p"]
	if c.Fingerprint != "sha-256 AB:CD" || c.LocalFingerprint != "sha-256 EF:01" || c.Recovery.Attempt != 3 {
		t.Fatalf("connection %+v", c)
	}
	for _, a := range []Action{UpdateRemoteMedia{PeerID: "x"}, SetPeerFingerprint{PeerID: "x"}, SetLocalFingerprint{PeerID: "x"}, UpdateRecovery{PeerID: "x"}} {
		if _, err := Apply(s, a); !errors.Is(err, ErrUnknownPeer) {
			t.Fatalf("%T for unknown peer: %v", a, err)
		}
	}
}

func TestSignalingAndAudioOutput(t *testing.T) {
	sig := Signaling{Status: SignalingReconnecting, Attempt: 3, Room: "r", PeerID: "me", UserName: "Me"}
	s := Reduce(New(), UpdateSignaling{Signaling: sig})
	s = Reduce(s, SetAudioOutput{Reason: "no output device"})
	if s.Signaling != sig || s.AudioOutput != "no output device" {
		t.Fatalf("state %+v", s)
	}
}

func TestThunks(t *testing.T) {
	stream := LocalStream{Tracks: []Track{{Kind: "audio", Label: "mic"}}}
	cases := []struct {
		name      string
		pre       State
		actions   []Action
		loading   bool
		err       string
		sharing   bool
		hasStream bool
	}{
		{"media pending", New(), []Action{InitializeMediaPending{}}, true, "", false, false},
		{"media fulfilled", New(), []Action{InitializeMediaPending{}, InitializeMediaFulfilled{Stream: stream}}, false, "", false, true},
		{"media rejected", New(), []Action{InitializeMediaPending{}, InitializeMediaRejected{Error: "Media Not Available"}}, false, "Media Not Available", false, false},
		{"pending clears old error", Reduce(New(), SetConnectionError{Error: "old"}), []Action{InitializeMediaPending{}}, true, "", false, false},
		{"share pending", New(), []Action{StartScreenSharePending{}}, true, "", false, false},
		{"share fulfilled", New(), []Action{StartScreenSharePending{}, StartScreenShareFulfilled{}}, false, "", true, false},
		{"share rejected", New(), []Action{StartScreenSharePending{}, StartScreenShareRejected{Error: "screen capture not available"}}, false, "screen capture not available", false, false},
		{"stop fulfilled", Reduce(New(), ToggleScreenShare{Enabled: true}), []Action{StopScreenSharePending{}, StopScreenShareFulfilled{}}, false, "", false, false},
		{"stop rejected", Reduce(New(), ToggleScreenShare{Enabled: true}), []Action{StopScreenSharePending{}, StopScreenShareRejected{Error: "x"}}, false, "x", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.pre
			for _, a := range tc.actions {
				s = Reduce(s, a)
			}
			if s.Loading != tc.loading || s.Error != tc.err || s.ScreenSharing != tc.sharing || (s.LocalStream != nil) != tc.hasStream {
				t.Fatalf("loading=%v err=%q sharing=%v stream=%v", s.Loading, s.Error, s.ScreenSharing, s.LocalStream)
			}
		})
	}
}

func TestCollectStats(t *testing.T) {
	s := withPeer(t, "p", StatusConnected)
	epoch := s.Connections["p"].Epoch
	s = Reduce(s, CollectConnectionStatsPending{PeerID: "p", Epoch: epoch})
	if !s.Connections["p"].StatsInFlight || s.Loading {
		t.Fatal("pending should mark the peer, not the call")
	}
	s = Reduce(s, CollectConnectionStatsFulfilled{PeerID: "p", Epoch: epoch, At: t0, Stats: Stats{RTTMillis: 42}})
	if c := s.Connections["p"]; c.StatsInFlight || c.Stats.RTTMillis != 42 || len(c.History) != 1 {
		t.Fatalf("fulfilled not applied: %+v", c)
	}
	s = Reduce(s, CollectConnectionStatsRejected{PeerID: "p", Epoch: epoch, Error: "Peer connection not found"})
	if s.Connections["p"].Error != "Peer connection not found" {
		t.Fatal("rejected error not recorded")
	}

	// A result from before an ICE restart is stale and dropped.
	s = Reduce(s, UpdateConnectionStatus{PeerID: "p", Status: StatusDisconnected})
	s = Reduce(s, UpdateConnectionStatus{PeerID: "p", Status: StatusConnecting})
	next, err := Apply(s, CollectConnectionStatsFulfilled{PeerID: "p", Epoch: epoch, Stats: Stats{RTTMillis: 999}})
	if !errors.Is(err, ErrStale) || next.Connections["p"].Stats.RTTMillis == 999 {
		t.Fatalf("stale result applied: err=%v", err)
	}
	// So is one for a peer that left and came back under the same id.
	s = Reduce(Reduce(s, RemovePeerConnection{PeerID: "p"}), AddPeerConnection{PeerID: "p"})
	if _, err := Apply(s, CollectConnectionStatsFulfilled{PeerID: "p", Epoch: epoch}); !errors.Is(err, ErrStale) {
		t.Fatalf("result for an earlier incarnation: %v", err)
	}
}

func TestRoute(t *testing.T) {
	cases := []struct {
		r    Route
		want string
	}{
		{Route{}, ""},
		{Route{LocalType: "host", RemoteType: "host", Protocol: "udp"}, "host/udp"},
		{Route{LocalType: "relay", RemoteType: "host", Protocol: "udp"}, "relay/udp"},
		{Route{LocalType: "host", RemoteType: "srflx", Protocol: "tcp"}, "srflx/tcp"},
		{Route{LocalType: "prflx", RemoteType: "host"}, "prflx"},
	}
	for _, tc := range cases {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestSwitchedToSFU: the move to an SFU is recorded and keeps every row;
// a server notice changes nothing in the state.
func TestSwitchedToSFU(t *testing.T) {
	s := Reduce(New(), AddPeerConnection{PeerID: "p", UserName: "Ada"})
	s = Reduce(s, UpdateConnectionStatus{PeerID: "p", Status: StatusConnected})
	s = Reduce(s, SwitchedToSFU{SFU: "LiveKit", People: 2})
	if s.SFU != "LiveKit" || s.Connections["p"].Status != StatusConnected {
		t.Fatalf("after the switch: SFU %q, row %+v", s.SFU, s.Connections["p"])
	}
	if next, err := Apply(s, ServerNotice{Level: "warn", Message: "m"}); err != nil || next.SFU != s.SFU || len(next.Connections) != 1 {
		t.Fatalf("a notice changed the state: %v", err)
	}
}
