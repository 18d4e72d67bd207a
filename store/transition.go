package store

import (
	"errors"
	"fmt"
)

// ErrIllegalTransition reports a status change the lifecycle does not allow.
var ErrIllegalTransition = errors.New("illegal status transition")

// ErrUnknownPeer reports an action naming a peer that is not in the state.
var ErrUnknownPeer = errors.New("unknown peer")

// ErrStale reports a result for an earlier incarnation of a connection.
var ErrStale = errors.New("stale result")

// allowed lists the legal moves between statuses: docs/slice.md's
// diagram extended to what WebRTC does (ICE restarts, retries).
var allowed = map[Status][]Status{
	StatusConnecting:   {StatusConnected, StatusFailed, StatusClosed},
	StatusConnected:    {StatusDisconnected, StatusFailed, StatusClosed},
	StatusDisconnected: {StatusConnected, StatusConnecting, StatusFailed, StatusClosed},
	StatusFailed:       {StatusConnecting, StatusDisconnected, StatusClosed},
	StatusClosed:       nil, // final
}

// Transition reports whether a peer may move from one status to another.
// Staying in the same status is allowed (and changes nothing), except that
// nothing leaves closed.
func Transition(from, to Status) error {
	if _, ok := allowed[to]; !ok {
		return fmt.Errorf("%w: unknown status %q", ErrIllegalTransition, to)
	}
	if from == to {
		return nil
	}
	for _, s := range allowed[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("%w: %s → %s", ErrIllegalTransition, from, to)
}
