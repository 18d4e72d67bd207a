package store

import (
	"fmt"
	"testing"
)

// roomOf returns a state with n connected peers.
func roomOf(b *testing.B, n int) State {
	b.Helper()
	s := New()
	for i := range n {
		id := fmt.Sprintf("p%05d", i)
		s = Reduce(s, AddPeerConnection{PeerID: id, UserName: fmt.Sprintf("user %d", n-i), At: t0})
		s = Reduce(s, UpdateConnectionStatus{PeerID: id, Status: StatusConnected, At: t0})
	}
	return s
}

// BenchmarkReduceMediaState is the cost of one media-state action, the
// kind a remote floods: the reducer copies the connections map once per
// action, so the cost grows with the peers in the state (bounded by the
// session's peer cap, rtc.DefaultMaxPeers).
func BenchmarkReduceMediaState(b *testing.B) {
	for _, n := range []int{2, 16, 64, 1000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			s := roomOf(b, n)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s = Reduce(s, UpdateRemoteMedia{PeerID: "p00000", Audio: i%2 == 0})
			}
		})
	}
}

// BenchmarkReduceCandidate is the cost of one early candidate once the
// buffer is full (the flood case) and while it fills.
func BenchmarkReduceCandidate(b *testing.B) {
	s := roomOf(b, 16)
	b.ReportAllocs()
	for b.Loop() {
		s = Reduce(s, AddICECandidate{PeerID: "p00001", Candidate: Candidate{Candidate: "candidate:1 1 udp 1 10.0.0.1 9 typ host"}})
	}
}

// BenchmarkSelectConnections is what a view pays per render to list the
// peers in order.
func BenchmarkSelectConnections(b *testing.B) {
	for _, n := range []int{16, 64, 1000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			s := roomOf(b, n)
			b.ReportAllocs()
			for b.Loop() {
				_ = SelectConnections(s)
			}
		})
	}
}
