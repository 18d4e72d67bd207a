package rtc

import (
	"sync/atomic"

	"github.com/rtcterm/rtcterm/store"
)

// DefaultMaxPeers is the default for Config.MaxPeers: well above the
// signaling server's room cap (16 by default), so an honest room never
// meets it, and low enough that a hostile server cannot make the session
// build thousands of peer connections.
const DefaultMaxPeers = 64

// maxRemoteCandidates bounds the remote candidates taken per peer for one
// remote description: those buffered before it is set and those added
// after. An honest peer sends a handful (a few per interface and server);
// more only cost memory and connectivity checks. It matches the store's
// own cap on buffered candidates.
const maxRemoteCandidates = store.MaxBufferedCandidates

// Dropped counts what the session refused from remote parties because a
// bound was reached (docs/limits.md). The counts only grow.
type Dropped struct {
	// UnknownPeers counts offers and ready-for-offer messages from peer
	// ids that no welcome or peer-joined introduced.
	UnknownPeers uint64
	// PeersOverCap counts peers not taken because Config.MaxPeers were
	// already known.
	PeersOverCap uint64
	// Candidates counts remote ICE candidates beyond the per-peer bound.
	Candidates uint64
	// SSRCs counts incoming RTP SSRCs beyond maxSSRCsPerConnection on a
	// connection, whose packets are dropped unbuffered.
	SSRCs uint64
	// Actions counts actions dropped because nobody read Actions fast
	// enough; Coalesced counts those that replaced or superseded a queued
	// action of the same kind and peer instead of both taking a slot
	// (store.QueueStats).
	Actions, Coalesced uint64
}

// dropCounters are the session's counts behind Dropped, updated from the
// session loop and read from anywhere.
type dropCounters struct {
	unknownPeers atomic.Uint64
	peersOverCap atomic.Uint64
	candidates   atomic.Uint64
	ssrcs        atomic.Uint64
}

// Dropped reports what the session has refused so far.
func (s *Session) Dropped() Dropped {
	q := s.actions.Stats()
	return Dropped{
		UnknownPeers: s.drops.unknownPeers.Load(),
		PeersOverCap: s.drops.peersOverCap.Load(),
		Candidates:   s.drops.candidates.Load(),
		SSRCs:        s.drops.ssrcs.Load(),
		Actions:      q.Dropped,
		Coalesced:    q.Coalesced,
	}
}

// countFirst increments c and reports whether this was the first time,
// so a flood is logged once rather than once per message.
func countFirst(c *atomic.Uint64) bool { return c.Add(1) == 1 }
