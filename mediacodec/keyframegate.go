package mediacodec

import "time"

// KeyFrameGate rate-limits key frames: the requests a receiver sends a peer
// (picture loss indications) and the key frames a sender forces its encoder
// to make. Several peers report the same loss, and a decoder waiting for a
// key frame asks on every frame, so requests inside MinGap of the last key
// frame are merged into one rather than each costing a key frame.
//
// It is plain data driven by the caller's clock, so tests step time by
// hand; the caller guards it against concurrent use.
type KeyFrameGate struct {
	// MinGap is the shortest time between two key frames (or requests).
	MinGap time.Duration

	last    time.Time // when the last one went out
	pending bool      // a request is waiting for the gap to pass
}

// Request records that a key frame is wanted.
func (g *KeyFrameGate) Request() { g.pending = true }

// Due reports whether a pending request may be served at now: one is
// pending and MinGap has passed since the last key frame.
func (g *KeyFrameGate) Due(now time.Time) bool {
	if !g.pending {
		return false
	}
	return g.last.IsZero() || now.Sub(g.last) >= g.MinGap
}

// Sent records that a key frame (or request) went out at now, asked for or
// not; it satisfies every request made before it.
func (g *KeyFrameGate) Sent(now time.Time) {
	g.pending = false
	g.last = now
}

// Allow is Request, Due and Sent in one for callers that send at once or
// not at all: it reports whether a request made at now may go out, and if
// so records it as sent.
func (g *KeyFrameGate) Allow(now time.Time) bool {
	g.Request()
	if !g.Due(now) {
		return false
	}
	g.Sent(now)
	return true
}
