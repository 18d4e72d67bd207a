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
	conns := SelectConnections(s)
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.PeerID
	}
	return ids
}

func selectWhere(s State, keep func(Connection) bool) []Connection {
	out := make([]Connection, 0, len(s.Connections))
	for _, c := range s.Connections {
		if keep(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, PeerOrder)
	return out
}
