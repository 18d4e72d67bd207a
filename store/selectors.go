package store

import (
	"cmp"
	"slices"
)

// PeerOrder is the stable order peers are listed in: by user name, then by
// peer id so equal names never swap places between renders.
func PeerOrder(a, b Connection) int {
	if c := cmp.Compare(a.UserName, b.UserName); c != 0 {
		return c
	}
	return cmp.Compare(a.PeerID, b.PeerID)
}

// SelectConnections returns every peer in PeerOrder.
func SelectConnections(s State) []Connection {
	return selectWhere(s, func(Connection) bool { return true })
}

// SelectConnection returns one peer's connection.
func SelectConnection(s State, peerID string) (Connection, bool) {
	c, ok := s.Connections[peerID]
	return c, ok
}

// SelectLocalStream returns the local media description, nil before capture.
func SelectLocalStream(s State) *LocalStream { return s.LocalStream }

// SelectAudioEnabled reports whether the microphone is sent.
func SelectAudioEnabled(s State) bool { return s.AudioEnabled }

// SelectVideoEnabled reports whether the camera is sent.
func SelectVideoEnabled(s State) bool { return s.VideoEnabled }

// SelectScreenSharing reports whether the screen is shared.
func SelectScreenSharing(s State) bool { return s.ScreenSharing }

// SelectRTCError returns the call-wide error, "" when none.
func SelectRTCError(s State) string { return s.Error }

// SelectConnectionStatus returns a peer's status.
func SelectConnectionStatus(s State, peerID string) (Status, bool) {
	c, ok := s.Connections[peerID]
	return c.Status, ok
}

// SelectConnectionStats returns a peer's latest stats.
func SelectConnectionStats(s State, peerID string) (Stats, bool) {
	c, ok := s.Connections[peerID]
	return c.Stats, ok
}

// SelectPeerLatency returns a peer's round-trip time in milliseconds.
func SelectPeerLatency(s State, peerID string) (float64, bool) {
	c, ok := s.Connections[peerID]
	return c.Stats.RTTMillis, ok
}

// SelectPeerBandwidth returns a peer's receive bitrate in kbps.
func SelectPeerBandwidth(s State, peerID string) (float64, bool) {
	c, ok := s.Connections[peerID]
	return c.Stats.RecvKbps, ok
}

// SelectPeerHistory returns a peer's recent samples, oldest first.
func SelectPeerHistory(s State, peerID string) []Sample {
	return s.Connections[peerID].History
}

// SelectConnectedPeers returns the connected peers in PeerOrder.
func SelectConnectedPeers(s State) []Connection {
	return selectWhere(s, func(c Connection) bool { return c.Status == StatusConnected })
}

// SelectConnectionCount returns how many peers are known.
func SelectConnectionCount(s State) int { return len(s.Connections) }

// SelectConnectedCount returns how many peers are connected.
func SelectConnectedCount(s State) int {
	n := 0
	for _, c := range s.Connections {
		if c.Status == StatusConnected {
			n++
		}
	}
	return n
}

// SelectFailedConnections returns the failed peers in PeerOrder.
func SelectFailedConnections(s State) []Connection {
	return selectWhere(s, func(c Connection) bool { return c.Status == StatusFailed })
}

// SelectMediaEnabled reports whether any local media is sent.
func SelectMediaEnabled(s State) bool { return s.AudioEnabled || s.VideoEnabled }

// SelectPendingOffer returns the offer held for a peer.
func SelectPendingOffer(s State, peerID string) (SessionDescription, bool) {
	d, ok := s.PendingOffers[peerID]
	return d, ok
}

// SelectICECandidates returns the candidates buffered for a peer.
func SelectICECandidates(s State, peerID string) []Candidate {
	return s.ICECandidates[peerID]
}

// SelectPeerIDs returns the ids of every peer in PeerOrder.
func SelectPeerIDs(s State) []string {
	if inOrder(s) {
		return slices.Clone(s.order)
	}
	return sortedIDs(s)
}

func selectWhere(s State, keep func(Connection) bool) []Connection {
	out := make([]Connection, 0, len(s.Connections))
	if inOrder(s) {
		for _, id := range s.order {
			if c := s.Connections[id]; keep(c) {
				out = append(out, c)
			}
		}
		return out
	}
	// A state not built by the reducer alone (a literal in a test): sort.
	for _, c := range s.Connections {
		if keep(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, PeerOrder)
	return out
}

// inOrder reports whether s.order lists exactly the peers of s.Connections,
// which holds for every state the reducer made from New.
func inOrder(s State) bool {
	if len(s.order) != len(s.Connections) {
		return false
	}
	for _, id := range s.order {
		if _, ok := s.Connections[id]; !ok {
			return false
		}
	}
	return true
}

// insertOrdered returns s.order with c's id inserted at its place in
// PeerOrder, as a new slice; s.Connections does not hold c yet. It returns
// nil when s.order does not match s.Connections (see sortedIDs).
func insertOrdered(s State, c Connection) []string {
	if !inOrder(s) {
		return nil
	}
	i, _ := slices.BinarySearchFunc(s.order, c, func(id string, c Connection) int {
		return PeerOrder(s.Connections[id], c)
	})
	out := make([]string, 0, len(s.order)+1)
	out = append(out, s.order[:i]...)
	out = append(out, c.PeerID)
	return append(out, s.order[i:]...)
}

// removeOrdered returns s.order without id, as a new slice, or nil when
// s.order does not match s.Connections.
func removeOrdered(s State, id string) []string {
	i := slices.Index(s.order, id)
	if i < 0 || !inOrder(s) {
		return nil
	}
	out := make([]string, 0, len(s.order)-1)
	out = append(out, s.order[:i]...)
	return append(out, s.order[i+1:]...)
}

// sortedIDs sorts the peer ids of s.Connections into PeerOrder.
func sortedIDs(s State) []string {
	conns := make([]Connection, 0, len(s.Connections))
	for _, c := range s.Connections {
		conns = append(conns, c)
	}
	slices.SortFunc(conns, PeerOrder)
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.PeerID
	}
	return ids
}
