package store

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// actionFrom decodes one action from three fuzz bytes, over a small peer
// alphabet so sequences hit the same peers again and again.
func actionFrom(op, peer, arg byte) Action {
	id := []string{"a", "b", "c", ""}[peer%4]
	at := t0.Add(time.Duration(arg) * time.Second)
	statuses := []Status{StatusConnecting, StatusConnected, StatusDisconnected, StatusFailed, StatusClosed, "bogus"}
	switch op % 28 {
	case 0:
		return AddPeerConnection{PeerID: id, UserName: string(rune('A' + arg%26)), At: at}
	case 1, 2, 3:
		return UpdateConnectionStatus{PeerID: id, Status: statuses[int(arg)%len(statuses)], At: at}
	case 4:
		return UpdateConnectionStats{PeerID: id, Stats: Stats{RTTMillis: float64(arg)}, At: at}
	case 5:
		return RemovePeerConnection{PeerID: id}
	case 6:
		return ToggleAudio{Enabled: arg%2 == 0}
	case 7:
		return ToggleVideo{Enabled: arg%2 == 0}
	case 8:
		return ToggleScreenShare{Enabled: arg%2 == 0}
	case 9:
		return AddICECandidate{PeerID: id, Candidate: Candidate{Candidate: "c"}}
	case 10:
		return ICECandidatesApplied{PeerID: id}
	case 11:
		return SetConnectionError{PeerID: id, Error: "e"}
	case 12:
		return StorePendingOffer{PeerID: id, Description: SessionDescription{Type: "offer"}}
	case 13:
		return TakePendingOffer{PeerID: id}
	case 14:
		return UpdateRemoteMedia{PeerID: id, Audio: arg%2 == 0}
	case 15:
		return CollectConnectionStatsPending{PeerID: id, Epoch: uint64(arg % 8)}
	case 16:
		return CollectConnectionStatsFulfilled{PeerID: id, Epoch: uint64(arg % 8), At: at}
	case 17:
		return CollectConnectionStatsRejected{PeerID: id, Epoch: uint64(arg % 8), Error: "x"}
	case 18:
		return InitializeMediaPending{}
	case 19:
		return InitializeMediaFulfilled{Stream: LocalStream{Tracks: []Track{{Kind: "audio"}}}}
	case 20:
		return StartScreenShareFulfilled{}
	case 21:
		return StopScreenShareRejected{Error: "x"}
	case 22:
		return UpdateRecovery{PeerID: id, Recovery: Recovery{Attempt: int(arg % 6)}}
	case 23:
		return ChatSent{Text: string(rune('a' + arg%3)), At: at}
	case 24:
		return ChatReceived{From: id, Text: string(rune('a' + arg%3)), At: at, Own: arg%2 == 0}
	case 25:
		return ChatRefused{Reason: "r"}
	case 26:
		return ChatRead{}
	default:
		return SetPeerFingerprint{PeerID: id, Fingerprint: "f"}
	}
}

// deepCopy snapshots a state so later mutation of the original would show.
func deepCopy(s State) State {
	c := s
	c.Connections = map[string]Connection{}
	for k, v := range s.Connections {
		v.History = append([]Sample(nil), v.History...)
		c.Connections[k] = v
	}
	c.order = slices.Clone(s.order)
	c.ICECandidates = map[string][]Candidate{}
	for k, v := range s.ICECandidates {
		c.ICECandidates[k] = append([]Candidate(nil), v...)
	}
	c.PendingOffers = map[string]SessionDescription{}
	for k, v := range s.PendingOffers {
		c.PendingOffers[k] = v
	}
	c.Chat = append([]ChatLine(nil), s.Chat...)
	if s.LocalStream != nil {
		ls := *s.LocalStream
		ls.Tracks = append([]Track(nil), ls.Tracks...)
		c.LocalStream = &ls
	}
	return c
}

// checkSequence applies the actions encoded in data and checks the slice's
// invariants after every step.
func checkSequence(t *testing.T, data []byte) {
	s := New()
	for i := 0; i+2 < len(data); i += 3 {
		a := actionFrom(data[i], data[i+1], data[i+2])
		before := deepCopy(s)
		next := Reduce(s, a)
		if !reflect.DeepEqual(before, deepCopy(s)) {
			t.Fatalf("step %d: %T mutated its input state", i/3, a)
		}
		for id, c := range s.Connections {
			n, ok := next.Connections[id]
			if c.Status == StatusClosed && ok && n.Status != StatusClosed {
				t.Fatalf("step %d: closed peer %q came back as %s via %#v", i/3, id, n.Status, a)
			}
			if ok && n.Epoch < c.Epoch {
				t.Fatalf("step %d: epoch went backwards", i/3)
			}
		}
		connected := 0
		for id, c := range next.Connections {
			if c.PeerID != id {
				t.Fatalf("step %d: key %q holds peer %q", i/3, id, c.PeerID)
			}
			if len(c.History) > HistoryLen {
				t.Fatalf("step %d: history grew to %d", i/3, len(c.History))
			}
			if c.Status == StatusConnected {
				connected++
			}
		}
		if SelectConnectedCount(next) != connected || len(SelectConnectedPeers(next)) != connected {
			t.Fatalf("step %d: connected count disagrees with the map", i/3)
		}
		if SelectConnectionCount(next) != len(next.Connections) || len(SelectConnections(next)) != len(next.Connections) {
			t.Fatalf("step %d: connection count disagrees with the map", i/3)
		}
		if got, want := SelectPeerIDs(next), sortedIDs(next); !reflect.DeepEqual(got, want) && len(want) > 0 {
			t.Fatalf("step %d: cached peer order %v, sorted %v", i/3, got, want)
		}
		if !inOrder(next) {
			t.Fatalf("step %d: cached order %v does not match the connections", i/3, next.order)
		}
		for id, l := range next.ICECandidates {
			if len(l) > MaxBufferedCandidates {
				t.Fatalf("step %d: %d candidates buffered for %q", i/3, len(l), id)
			}
		}
		for id := range next.ICECandidates {
			if _, ok := next.Connections[id]; !ok {
				t.Fatalf("step %d: candidates held for absent peer %q", i/3, id)
			}
		}
		for id := range next.PendingOffers {
			if _, ok := next.Connections[id]; !ok {
				t.Fatalf("step %d: offer held for absent peer %q", i/3, id)
			}
		}
		if len(next.Chat) > ChatHistoryLen || next.ChatUnread < 0 {
			t.Fatalf("step %d: chat holds %d lines, %d unread", i/3, len(next.Chat), next.ChatUnread)
		}
		s = next
	}
}

// FuzzReduce applies random action sequences; `go test` runs the seeds,
// `go test -fuzz FuzzReduce ./store` explores further.
func FuzzReduce(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 1, 2, 0, 4, 3, 0, 1})
	f.Add([]byte{0, 1, 0, 9, 1, 0, 12, 1, 0, 5, 1, 0, 0, 1, 0})
	f.Add([]byte{0, 2, 0, 1, 2, 3, 1, 2, 0, 1, 2, 1, 15, 2, 1, 16, 2, 1})
	f.Add([]byte{0, 0, 0, 1, 0, 4, 0, 0, 0, 1, 0, 0, 5, 0, 0, 0, 0, 0, 1, 0, 1})
	f.Fuzz(checkSequence)
}

// TestRandomSequences runs many pseudo-random sequences from a fixed seed, so
// the property is exercised widely on every `make test`.
func TestRandomSequences(t *testing.T) {
	x := uint32(2463534242)
	next := func() byte { // xorshift32: deterministic, no global randomness
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return byte(x)
	}
	for range 500 {
		data := make([]byte, 3*200)
		for i := range data {
			data[i] = next()
		}
		checkSequence(t, data)
	}
}
