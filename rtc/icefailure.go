package rtc

import (
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// candidateCounts are the candidates of one side of a connection by type.
type candidateCounts struct{ host, srflx, prflx, relay int }

func (c candidateCounts) total() int { return c.host + c.srflx + c.prflx + c.relay }

func (c candidateCounts) String() string {
	parts := []string{fmt.Sprintf("%d host", c.host), fmt.Sprintf("%d srflx", c.srflx)}
	if c.prflx > 0 {
		parts = append(parts, fmt.Sprintf("%d prflx", c.prflx))
	}
	return strings.Join(append(parts, fmt.Sprintf("%d relay", c.relay)), ", ")
}

func (c *candidateCounts) add(t webrtc.ICECandidateType) {
	switch t {
	case webrtc.ICECandidateTypeHost:
		c.host++
	case webrtc.ICECandidateTypeSrflx:
		c.srflx++
	case webrtc.ICECandidateTypePrflx:
		c.prflx++
	case webrtc.ICECandidateTypeRelay:
		c.relay++
	}
}

// iceFailureText says why ICE found no route, as far as the candidates
// tell: what each side offered, and the likely cause when it is plain.
func iceFailureText(report webrtc.StatsReport, relayOnly bool) string {
	var ours, theirs candidateCounts
	for _, v := range report {
		switch c := v.(type) {
		case webrtc.ICECandidateStats:
			if c.Type == webrtc.StatsTypeLocalCandidate {
				ours.add(c.CandidateType)
			} else if c.Type == webrtc.StatsTypeRemoteCandidate {
				theirs.add(c.CandidateType)
			}
		}
	}
	text := fmt.Sprintf("%s (ours: %s; theirs: %s)", ErrTextICEFailed, ours, theirs)
	switch {
	case relayOnly && ours.relay == 0:
		text += " — no TURN relay: the TURN server is unreachable or refused the credentials given with --ice turn:USER:PASS@HOST:PORT"
	case ours.total() == 0:
		text += " — we have no candidates: no usable network interface"
	case theirs.total() == 0:
		text += " — the peer sent no candidates"
	case ours.relay == 0 && theirs.relay == 0:
		text += " — no relay on either side: behind strict NATs a TURN server is needed (--ice turn:USER:PASS@HOST:PORT)"
	}
	return text
}
