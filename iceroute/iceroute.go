// Package iceroute reads the path a WebRTC connection uses out of Pion's
// stats report: the nominated candidate pair, its round-trip time and both
// candidates. The mesh (rtc) and the SFU engine (lkengine) show it alike.
package iceroute

import (
	"fmt"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// Fill sets st's RTTMillis and Route from the nominated, succeeded pair
// that carried the most bytes; it leaves st alone when there is none.
func Fill(st *store.Stats, report webrtc.StatsReport) {
	var best *webrtc.ICECandidatePairStats
	for _, v := range report {
		pair, ok := v.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated || pair.State != webrtc.StatsICECandidatePairStateSucceeded {
			continue
		}
		if best == nil || pair.BytesReceived+pair.BytesSent > best.BytesReceived+best.BytesSent {
			best = &pair
		}
	}
	if best == nil {
		return
	}
	st.RTTMillis = best.CurrentRoundTripTime * 1000
	if c, ok := report[best.LocalCandidateID].(webrtc.ICECandidateStats); ok {
		st.Route.LocalType = c.CandidateType.String()
		st.Route.Protocol = c.Protocol
		st.Route.LocalAddr = fmt.Sprintf("%s:%d", c.IP, c.Port)
	}
	if c, ok := report[best.RemoteCandidateID].(webrtc.ICECandidateStats); ok {
		st.Route.RemoteType = c.CandidateType.String()
		st.Route.RemoteAddr = fmt.Sprintf("%s:%d", c.IP, c.Port)
		if st.Route.Protocol == "" {
			st.Route.Protocol = c.Protocol
		}
	}
}
