package rtc

import (
	"fmt"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// newAPI builds the Pion API for one peer connection. Each connection gets
// its own interceptor registry so the stats interceptor's Getter and the
// bandwidth estimator can be captured for exactly that connection; onStats
// and onEstimator receive them.
func (s *Session) newAPI(onStats func(stats.Getter), onEstimator func(*estimator)) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: mediacodec.VP8, PayloadType: mediacodec.VP8PayloadType}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register VP8: %w", err)
	}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: mediacodec.Opus, PayloadType: mediacodec.OpusPayloadType}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register Opus: %w", err)
	}

	reg := &interceptor.Registry{}
	// The stats interceptor must come before the RTCP report interceptors,
	// or the round-trip time it derives from reports stays 0.
	sf, err := stats.NewInterceptor()
	if err != nil {
		return nil, fmt.Errorf("stats interceptor: %w", err)
	}
	sf.OnNewPeerConnection(func(_ string, g stats.Getter) { onStats(g) })
	reg.Add(sf)
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("rtcp reports: %w", err)
	}
	// Congestion control goes before the NACK responder, which caps its
	// resends by the estimate it finds on the RTCP attributes.
	if err := addCongestionControl(me, reg, s.maxVideoKbps(), s.cfg.LoggerFactory, onEstimator); err != nil {
		return nil, err
	}
	// Limit NACKs per packet: the default inflates the send rate about
	// threefold under heavy loss.
	if err := webrtc.ConfigureNackWithOptions(me, reg, []nack.GeneratorOption{nack.GeneratorMaxNacksPerPacket(2)}); err != nil {
		return nil, fmt.Errorf("nack: %w", err)
	}

	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true) // two participants on one machine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes(s.cfg.NetworkTypes)
	se.SetICETimeouts(s.cfg.ICEDisconnectedTimeout, s.cfg.ICEFailedTimeout, s.cfg.ICEKeepalive)
	// A peer inventing SSRCs gets buffers for its first few only: Pion keeps
	// per-SSRC state for every one it sees (docs/limits.md).
	se.BufferFactory = ssrcBufferFactory(maxSSRCsPerConnection, &s.drops.ssrcs)
	if s.cfg.Net != nil {
		se.SetNet(s.cfg.Net)
	}
	if s.cfg.LoggerFactory != nil {
		se.LoggerFactory = s.cfg.LoggerFactory
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}
