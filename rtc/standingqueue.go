package rtc

import (
	"time"

	"github.com/pion/webrtc/v4"
)

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
)

// queueWatch follows one link's round trip; only the adaptation loop
// uses it.
type queueWatch struct {
	minRTT  time.Duration // 0 until the first report
	last    time.Time
	lastCut time.Time
}

// standing reports, for a reported round trip rtt at now (0: none yet)
// and the ICE checks' latest round trip ice (0: none), whether a standing
// queue holds the link, and whether a cut is due. The minimum comes from
// both: ICE measures the path at connection time, before media can have
// filled a queue, while the first receiver report can come when it
// already has (a call starts at the initial estimate, above a narrow
// link: taken as the minimum, it hid a 1.2 s queue for a whole call).
func (w *queueWatch) standing(now time.Time, rtt, ice time.Duration) (standing, cut bool) {
	if w.minRTT > 0 && !w.last.IsZero() {
		w.minRTT += time.Duration(float64(minRTTDrift) * now.Sub(w.last).Seconds())
	}
	w.last = now
	for _, x := range []time.Duration{ice, rtt} {
		if x > 0 && (w.minRTT == 0 || x < w.minRTT) {
			w.minRTT = x
		}
	}
	if rtt <= 0 {
		return false, false
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

// iceRTT is the latest round trip of the connection's ICE checks on its
// selected pair; 0 before any.
func iceRTT(pc *webrtc.PeerConnection) time.Duration {
	if pc == nil {
		return 0
	}
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil || sctp.Transport().ICETransport() == nil {
		return 0
	}
	st, ok := sctp.Transport().ICETransport().GetSelectedCandidatePairStats()
	if !ok {
		return 0
	}
	return time.Duration(st.CurrentRoundTripTime * float64(time.Second))
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
