package devices

import "time"

// keyFrameMinGap is the shortest time between two key frames forced by
// RequestKeyFrame. Several peers send PLIs for the same loss (and every
// new receiver sends one), so requests inside the gap are merged into one
// key frame at its end rather than dropped.
const keyFrameMinGap = 300 * time.Millisecond

// keyFrameGate rate-limits key frame requests. It is plain data driven by
// the caller's clock, so tests step time by hand.
type keyFrameGate struct {
	minGap  time.Duration
	last    time.Time // when the last key frame went out
	pending bool      // a request is waiting for the gap to pass
}

// request records that a peer asked for a key frame.
func (g *keyFrameGate) request() { g.pending = true }

// due reports whether the next frame, encoded at now, must be forced to a
// key frame to satisfy a pending request.
func (g *keyFrameGate) due(now time.Time) bool {
	if !g.pending {
		return false
	}
	return g.last.IsZero() || now.Sub(g.last) >= g.minGap
}

// sent records that a key frame went out at now, forced or not; it
// satisfies every request made before it.
func (g *keyFrameGate) sent(now time.Time) {
	g.pending = false
	g.last = now
}
