package store

import (
	"slices"
	"testing"
)

func sample(t *testing.T) State {
	t.Helper()
	s := New()
	for _, p := range []struct {
		id, name string
		st       Status
	}{{"p3", "Linus", StatusConnected}, {"p1", "Ada", StatusConnected}, {"p2", "Grace", StatusFailed}, {"p4", "Ada", StatusConnecting}, {"p0", "Ada", StatusConnected}} {
		s = Reduce(s, AddPeerConnection{PeerID: p.id, UserName: p.name, At: t0})
		if p.st != StatusConnecting {
			s = Reduce(s, UpdateConnectionStatus{PeerID: p.id, Status: p.st, At: t0})
		}
	}
	return Reduce(s, UpdateConnectionStats{PeerID: "p1", Stats: Stats{RTTMillis: 45, RecvKbps: 2500, LossPct: 0.5}, At: t0})
}

func ids(cs []Connection) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.PeerID)
	}
	return out
}

func TestSelectors(t *testing.T) {
	s := sample(t)
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"connections in stable order", ids(SelectConnections(s)), []string{"p0", "p1", "p4", "p2", "p3"}},
		{"peer ids", SelectPeerIDs(s), []string{"p0", "p1", "p4", "p2", "p3"}},
		{"connected peers", ids(SelectConnectedPeers(s)), []string{"p0", "p1", "p3"}},
		{"failed", ids(SelectFailedConnections(s)), []string{"p2"}},
		{"count", SelectConnectionCount(s), 5},
		{"connected count", SelectConnectedCount(s), 3},
		{"media enabled", SelectMediaEnabled(s), true},
		{"audio", SelectAudioEnabled(s), true},
		{"video", SelectVideoEnabled(s), true},
		{"screen", SelectScreenSharing(s), false},
		{"error", SelectRTCError(s), ""},
		{"stream", SelectLocalStream(s) == nil, true},
	}
	for _, tc := range cases {
		if !equal(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if st, ok := SelectConnectionStatus(s, "p2"); !ok || st != StatusFailed {
		t.Errorf("status p2 = %v %v", st, ok)
	}
	if _, ok := SelectConnectionStatus(s, "zz"); ok {
		t.Error("status of unknown peer found")
	}
	if st, ok := SelectConnectionStats(s, "p1"); !ok || st.RTTMillis != 45 {
		t.Errorf("stats p1 = %+v", st)
	}
	if l, ok := SelectPeerLatency(s, "p1"); !ok || l != 45 {
		t.Errorf("latency = %v", l)
	}
	if b, ok := SelectPeerBandwidth(s, "p1"); !ok || b != 2500 {
		t.Errorf("bandwidth = %v", b)
	}
	if _, ok := SelectPeerBandwidth(s, "zz"); ok {
		t.Error("bandwidth of unknown peer found")
	}
	if h := SelectPeerHistory(s, "p1"); len(h) != 1 || h[0].RecvKbps != 2500 {
		t.Errorf("history %+v", h)
	}
	if c, ok := SelectConnection(s, "p3"); !ok || c.UserName != "Linus" {
		t.Errorf("connection p3 %+v", c)
	}
}

func TestSelectorOrderIsStable(t *testing.T) {
	s := sample(t)
	first := SelectPeerIDs(s)
	for range 50 {
		if got := SelectPeerIDs(s); !slices.Equal(got, first) {
			t.Fatalf("order changed: %v then %v", first, got)
		}
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		return slices.Equal(as, b.([]string))
	}
	return a == b
}
