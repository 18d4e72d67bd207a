package rtc

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestICEFailureNamesTheCause(t *testing.T) {
	cand := func(kind webrtc.StatsType, t webrtc.ICECandidateType) webrtc.ICECandidateStats {
		return webrtc.ICECandidateStats{Type: kind, CandidateType: t}
	}
	report := webrtc.StatsReport{
		"l1": cand(webrtc.StatsTypeLocalCandidate, webrtc.ICECandidateTypeHost),
		"l2": cand(webrtc.StatsTypeLocalCandidate, webrtc.ICECandidateTypeSrflx),
		"r1": cand(webrtc.StatsTypeRemoteCandidate, webrtc.ICECandidateTypeHost),
	}
	got := iceFailureText(report, false)
	for _, want := range []string{ErrTextICEFailed, "ours: 1 host, 1 srflx, 0 relay", "theirs: 1 host, 0 srflx, 0 relay", "TURN server is needed"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := iceFailureText(report, true); !strings.Contains(got, "no TURN relay") {
		t.Errorf("relay-only without a relay: %q", got)
	}
	if got := iceFailureText(webrtc.StatsReport{"l1": cand(webrtc.StatsTypeLocalCandidate, webrtc.ICECandidateTypeHost)}, false); !strings.Contains(got, "the peer sent no candidates") {
		t.Errorf("no remote candidates: %q", got)
	}
}
