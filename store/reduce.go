package store

import (
	"fmt"
	"maps"
	"time"
)

// Reduce returns the state after applying the action. It is pure: no clock,
// no randomness, no I/O, and the given state is never modified. Actions
// that Apply refuses leave the state unchanged.
func Reduce(s State, a Action) State {
	next, _ := Apply(s, a)
	return next
}

// Apply is Reduce that also says why an action changed nothing: an illegal
// status transition (ErrIllegalTransition), an unknown peer (ErrUnknownPeer)
// or a stale async result (ErrStale). On error the state is returned as given.
func Apply(s State, a Action) (State, error) {
	switch a := a.(type) {
	case InitializeLocalStream:
		s.LocalStream = cloneStream(a.Stream)
	case AddPeerConnection:
		if _, ok := s.Connections[a.PeerID]; ok || a.PeerID == "" {
			return s, nil
		}
		s.epochs++
		c := Connection{
			PeerID:   a.PeerID,
			UserID:   a.UserID,
			UserName: a.UserName,
			Status:   StatusConnecting,
			Stats:    Stats{LastUpdated: a.At},
			Epoch:    s.epochs,
		}
		order := insertOrdered(s, c) // before c is in s.Connections
		s.Connections = with(s.Connections, a.PeerID, c)
		if order == nil {
			order = sortedIDs(s)
		}
		s.order = order
	case UpdateConnectionStatus:
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			if err := Transition(c.Status, a.Status); err != nil {
				return err
			}
			if c.Status == a.Status {
				return nil
			}
			if a.Status == StatusConnected {
				c.ConnectedAt = a.At
				c.Error = ""
				c.Recovery = Recovery{}
			}
			if c.Status == StatusConnected {
				c.DisconnectedAt = a.At
			}
			if a.Status == StatusConnecting {
				s.epochs++
				c.Epoch = s.epochs
				c.StatsInFlight = false
			}
			c.Status = a.Status
			return nil
		})
	case UpdateConnectionStats:
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			setStats(c, a.Stats, a.At)
			return nil
		})
	case RemovePeerConnection:
		if _, ok := s.Connections[a.PeerID]; !ok {
			return s, fmt.Errorf("remove %q: %w", a.PeerID, ErrUnknownPeer)
		}
		s.order = removeOrdered(s, a.PeerID)
		s.Connections = without(s.Connections, a.PeerID)
		s.ICECandidates = without(s.ICECandidates, a.PeerID)
		s.PendingOffers = without(s.PendingOffers, a.PeerID)
	case ToggleAudio:
		s.AudioEnabled = a.Enabled
	case ToggleVideo:
		s.VideoEnabled = a.Enabled
	case ToggleScreenShare:
		s.ScreenSharing = a.Enabled
	case ToggleLowBandwidth:
		s.LowBandwidth = a.Enabled
	case AddICECandidate:
		if _, ok := s.Connections[a.PeerID]; !ok {
			return s, fmt.Errorf("candidate for %q: %w", a.PeerID, ErrUnknownPeer)
		}
		old := s.ICECandidates[a.PeerID]
		if len(old) >= MaxBufferedCandidates {
			s.CandidatesDropped++
			return s, nil
		}
		// The copy is at most MaxBufferedCandidates long: O(1) per append,
		// and no earlier state shares the new list.
		list := make([]Candidate, len(old), len(old)+1)
		copy(list, old)
		s.ICECandidates = with(s.ICECandidates, a.PeerID, append(list, a.Candidate))
	case ICECandidatesApplied:
		s.ICECandidates = without(s.ICECandidates, a.PeerID)
	case SetConnectionError:
		if a.PeerID == "" {
			s.Error = a.Error
			return s, nil
		}
		if c, ok := s.Connections[a.PeerID]; ok && c.Error == a.Error {
			return s, nil // a repeat: no copy of the map
		}
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			c.Error = a.Error
			return nil
		})
	case StorePendingOffer:
		if _, ok := s.Connections[a.PeerID]; !ok {
			return s, fmt.Errorf("offer from %q: %w", a.PeerID, ErrUnknownPeer)
		}
		s.PendingOffers = with(s.PendingOffers, a.PeerID, a.Description)
	case TakePendingOffer:
		s.PendingOffers = without(s.PendingOffers, a.PeerID)
	case UpdateRemoteMedia:
		m := MediaState{Known: true, Audio: a.Audio, Video: a.Video, Screen: a.Screen, VideoPaused: a.VideoPaused}
		if c, ok := s.Connections[a.PeerID]; ok && c.Media == m {
			return s, nil // a repeat: no copy of the map (a remote can send many)
		}
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			c.Media = m
			return nil
		})
	case SetPeerFingerprint:
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			c.Fingerprint = a.Fingerprint
			return nil
		})
	case SetLocalFingerprint:
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			c.LocalFingerprint = a.Fingerprint
			return nil
		})
	case UpdateRecovery:
		return updatePeer(s, a.PeerID, func(c *Connection) error {
			c.Recovery = a.Recovery
			return nil
		})
	case UpdateSignaling:
		s.Signaling = a.Signaling
	case SetAudioOutput:
		s.AudioOutput = a.Reason
	case ChatReceived:
		s = chatReceived(s, a)
	case ChatSent:
		s.Chat = appendChat(s.Chat, ChatLine{Text: a.Text, At: a.At, Own: true, Pending: true})
	case ChatRefused:
		return chatRefused(s, a.Reason)
	case ChatRead:
		s.ChatUnread = 0
	case ServerNotice:
		// Shown by the views as it arrives; nothing to keep.
	case SwitchedToSFU:
		s.SFU = a.SFU
	case InitializeMediaPending, StartScreenSharePending, StopScreenSharePending:
		s.Loading = true
		s.Error = ""
	case InitializeMediaFulfilled:
		s.Loading = false
		s.LocalStream = cloneStream(a.Stream)
	case InitializeMediaRejected:
		s.Loading = false
		s.Error = a.Error
	case StartScreenShareFulfilled:
		s.Loading = false
		s.ScreenSharing = true
	case StopScreenShareFulfilled:
		s.Loading = false
		s.ScreenSharing = false
	case StartScreenShareRejected:
		s.Loading = false
		s.Error = a.Error
	case StopScreenShareRejected:
		s.Loading = false
		s.Error = a.Error
	case CollectConnectionStatsPending:
		// Stats polling is per peer and continuous, so it marks the peer
		// busy rather than the call-wide Loading flag.
		return updateEpoch(s, a.PeerID, a.Epoch, func(c *Connection) {
			c.StatsInFlight = true
		})
	case CollectConnectionStatsFulfilled:
		return updateEpoch(s, a.PeerID, a.Epoch, func(c *Connection) {
			c.StatsInFlight = false
			setStats(c, a.Stats, a.At)
		})
	case CollectConnectionStatsRejected:
		return updateEpoch(s, a.PeerID, a.Epoch, func(c *Connection) {
			c.StatsInFlight = false
			c.Error = a.Error
		})
	default:
		return s, fmt.Errorf("unhandled action %T", a)
	}
	return s, nil
}

// setStats stores a sample as the current stats and appends it to the
// bounded history, always into a fresh slice so no earlier state shares it.
func setStats(c *Connection, st Stats, at time.Time) {
	st.LastUpdated = at
	c.Stats = st
	keep := c.History
	if len(keep) >= HistoryLen {
		keep = keep[len(keep)-HistoryLen+1:]
	}
	h := make([]Sample, len(keep), len(keep)+1)
	copy(h, keep)
	c.History = append(h, Sample{At: at, RTTMillis: st.RTTMillis, RecvKbps: st.RecvKbps, SendKbps: st.SendKbps, LossPct: st.LossPct,
		JitterMillis: st.JitterMillis, FramesPerSecond: st.FramesPerSecond})
}

// updatePeer applies fn to a copy of one peer's connection and stores the
// copy in a new map. If fn fails the state is returned unchanged.
func updatePeer(s State, id string, fn func(*Connection) error) (State, error) {
	c, ok := s.Connections[id]
	if !ok {
		return s, fmt.Errorf("peer %q: %w", id, ErrUnknownPeer)
	}
	orig := s
	if err := fn(&c); err != nil {
		return orig, fmt.Errorf("peer %q: %w", id, err)
	}
	s.Connections = with(s.Connections, id, c)
	return s, nil
}

// updateEpoch is updatePeer for async results, which only apply to the
// incarnation of the connection they were started for.
func updateEpoch(s State, id string, epoch uint64, fn func(*Connection)) (State, error) {
	return updatePeer(s, id, func(c *Connection) error {
		if c.Epoch != epoch {
			return fmt.Errorf("%w: epoch %d, connection is at %d", ErrStale, epoch, c.Epoch)
		}
		fn(c)
		return nil
	})
}

// with returns a copy of m with k set to v. maps.Clone copies the table
// as it is instead of inserting entry by entry, several times cheaper per
// action (BenchmarkReduceMediaState).
func with[V any](m map[string]V, k string, v V) map[string]V {
	var out map[string]V
	if m == nil {
		out = make(map[string]V, 1)
	} else {
		out = maps.Clone(m)
	}
	out[k] = v
	return out
}

// without returns m without k, copying only when k is present.
func without[V any](m map[string]V, k string) map[string]V {
	if _, ok := m[k]; !ok {
		return m
	}
	out := maps.Clone(m)
	delete(out, k)
	return out
}

func cloneStream(l LocalStream) *LocalStream {
	l.Tracks = append([]Track(nil), l.Tracks...)
	return &l
}
