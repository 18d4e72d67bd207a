package rtc

import "time"

// A queue that stays full is invisible to gcc's delay control, which
// reads the delay's trend, not its level: on a link that audio nearly
// fills (150 kbps shared by both directions carries ~115 kbps of Opus with
// its headers), every resume probe refilled the queue and the round trip
// stayed at 1.2 s for the whole call (real sockets, tc tbf). The round trip
// RTCP reports (remote-inbound) is the level: more than standingQueue above
// the lowest one seen, the queue is standing, and the ladder neither
// raises the target nor probes, and cuts (at most once per
// standingQueueCut) until it drains.
const (
	standingQueue    = 250 * time.Millisecond
	standingQueueCut = time.Second
	// standingQueueFactor is each cut: the target times this.
	standingQueueFactor = 0.7
	// minRTTDrift lets the lowest round trip seen rise slowly (per second),
	// so a route that got longer for good is not read as a queue forever.
	minRTTDrift = 2 * time.Millisecond
	// firstMinRTT caps the first minimum: the first receiver report can
	// come when the queue is already full (a call starts at the initial
	// estimate, above a narrow link), and taken as the minimum it hid the
	// queue for the whole call (150 kbps: RTT ~1.1 s throughout). A path
	// whose round trip really is longer reads as queued until the drift
	// reaches it (a 450 ms path: ~25 s).
	firstMinRTT = 200 * time.Millisecond
)

// queueWatch follows one link's round trip; only the adaptation loop
// uses it.
type queueWatch struct {
	minRTT  time.Duration // 0 until the first report
	last    time.Time
	lastCut time.Time
}

// standing reports, for a reported round trip rtt at now (0: none yet),
// whether a standing queue holds the link, and whether a cut is due.
func (w *queueWatch) standing(now time.Time, rtt time.Duration) (standing, cut bool) {
	if rtt <= 0 {
		return false, false
	}
	if w.minRTT > 0 && !w.last.IsZero() {
		w.minRTT += time.Duration(float64(minRTTDrift) * now.Sub(w.last).Seconds())
	}
	w.last = now
	switch {
	case w.minRTT == 0:
		w.minRTT = min(rtt, firstMinRTT)
	case rtt < w.minRTT:
		w.minRTT = rtt
	}
	if rtt-w.minRTT <= standingQueue {
		return false, false
	}
	if now.Sub(w.lastCut) >= standingQueueCut {
		w.lastCut = now
		return true, true
	}
	return true, false
}

// remoteRTT is the round trip the peer's receiver reports for what we send
// (RTCP receiver reports, the highest over our streams); 0 before any.
func (p *peer) remoteRTT() time.Duration {
	g := p.getter.Load()
	if g == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var rtt time.Duration
	for _, ssrc := range p.outSSRCs {
		if x := (*g).Get(ssrc); x != nil {
			rtt = max(rtt, x.RemoteInboundRTPStreamStats.RoundTripTime)
		}
	}
	return rtt
}
