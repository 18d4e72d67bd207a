package rtc

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// RateController is implemented by local media whose one shared video
// encoder can follow the network. It is optional: media without it sends
// at its configured rate. devices.Media implements it.
type RateController interface {
	// MaxVideo is the configured video bitrate and frame rate: the top of
	// the ladder.
	MaxVideo() (kbps, fps int)
	// SetVideoTarget sets the encoder's bitrate and frame rate, or pauses
	// video (audio goes on). It must be cheap and must not block.
	SetVideoTarget(kbps, fps int, paused bool)
}

// adaptInterval is how often the shared encoder's target is revisited.
const adaptInterval = 250 * time.Millisecond

// videoHeadroom is the share of the estimate the encoder may fill (before
// audio is subtracted). gcc's estimate sits at the link's capacity; the
// rest leaves room for key frames, retransmissions and RTCP, and keeps the
// bottleneck's standing queue short (measured on netsim at 300 kbps: queue
// p95 96 ms at 1.0, 42 ms at 0.9).
const videoHeadroom = 0.9

// Values of store.Stats.LimitedBy.
const (
	LimitedByBandwidth = "bandwidth"
	// LimitedByPeerRequest: the peer asked for little (its low-bandwidth
	// mode), so it gets the low layer.
	LimitedByPeerRequest = "peer request"
)

// SendLayerShared is store.Stats.SendLayer with media that is not layered:
// every peer gets the one shared encoding.
const SendLayerShared = "main"

// adaptation is the session's congestion-control state: the ladder's last
// decision, read by CollectStats.
type adaptation struct {
	mu     sync.Mutex
	target videoTarget
	active bool // a decision has been made for at least one connected peer
}

func (a *adaptation) set(t videoTarget) {
	a.mu.Lock()
	a.target, a.active = t, true
	a.mu.Unlock()
}

func (a *adaptation) get() (videoTarget, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.target, a.active
}

// maxVideoKbps is the video ceiling: the configured cap (minus audio), the
// encoder's configured rate, whichever is lower.
func (s *Session) maxVideoKbps() int {
	kbps := defaultMaxVideoKbps
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if lm, ok := m.(LayeredMedia); ok {
		if k, _ := lm.LayerMax(mediacodec.LayerHigh); k > 0 {
			kbps = k
		}
	} else if rc, ok := m.(RateController); ok {
		if k, _ := rc.MaxVideo(); k > 0 {
			kbps = k
		}
	}
	if s.cfg.MaxSendKbps > 0 {
		kbps = min(kbps, max(s.cfg.MaxSendKbps-audioReserveKbps, minEstimateKbps))
	}
	return kbps
}

// startAdaptation runs the loop that makes the shared encoder follow the
// most limiting link among the connected peers (see linkView.limitKbps),
// until ctx is done.
func (s *Session) startAdaptation(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(adaptInterval)
		defer t.Stop()
		var l *ladder
		var last videoTarget
		var layered layeredAdaptation
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				s.mu.Lock()
				rc, _ := s.media.(RateController)
				lm, _ := s.media.(LayeredMedia)
				handover := s.frozen || s.noMesh
				s.mu.Unlock()
				if handover {
					// Moving to an SFU: the high layer feeds it too, at its
					// configured rate (fullRate), and the mesh's links no
					// longer speak for it (handover.go). Should the mesh
					// resume, its next decisions are made afresh.
					last, layered = videoTarget{}, layeredAdaptation{}
					continue
				}
				if lm != nil {
					s.adaptLayers(now, lm, &layered)
					continue
				}
				if rc == nil {
					continue
				}
				limit, limited, rising, ok := s.updateEstimates(now)
				if !ok {
					continue // nobody to send to: keep the last decision
				}
				if l == nil {
					kbps, fps := rc.MaxVideo()
					cfg := defaultLadder(min(kbps, s.maxVideoKbps()), fps)
					cfg.StartKbps = videoKbps(initialEstimateKbps)
					l = newLadder(cfg)
				}
				avail := math.MaxInt
				if limited {
					avail = videoKbps(limit)
				}
				if rising && !last.Paused && last.Kbps > 0 {
					avail = min(avail, last.Kbps) // hold: the queue grows
				}
				if s.lowBandwidthOn() {
					avail = min(avail, videoKbps(lowBandwidthKbps))
				}
				d := l.update(now, avail)
				s.adapt.set(d)
				if d != last {
					if d.Paused != last.Paused {
						// Tell the room: their screens say why our video stopped.
						s.post(s.sendMediaState)
					}
					last = d
					rc.SetVideoTarget(d.Kbps, d.FPS, d.Paused)
				}
			}
		}
	}()
}

// videoKbps is what a connection's estimate leaves for video. gcc's
// estimate counts RTP payload only (pion's feedback adapter records
// len(payload)), so audio takes its payload rate out of it, not its rate
// on the wire.
func videoKbps(estimateKbps int) int {
	return int(float64(estimateKbps)*videoHeadroom) - audioPayloadKbps
}

// updateEstimates refreshes every connection's estimate and returns, over
// the connected peers (the one encoder serves them all), the lowest limit
// a link imposes (limited false: none does) and whether any sees its queue
// growing.
func (s *Session) updateEstimates(now time.Time) (limit int, limited, rising, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		e := p.bwe.Load()
		if e == nil {
			continue
		}
		v := e.update(now)
		if !p.up.Load() {
			continue
		}
		ok = true
		rising = rising || v.DelayRising
		k, lim := v.limitKbps()
		if p.wantsLow.Load() && (!lim || k > lowBandwidthKbps) {
			// The peer asked for little (its low-bandwidth mode).
			k, lim = lowBandwidthKbps, true
		}
		if lim && (!limited || k < limit) {
			limit, limited = k, true
		}
	}
	return limit, limited, rising, ok
}

// keyFrameForNewReceiver asks for a key frame because p just became able
// to decode (connected, or an ICE restart completed), so a receiver that
// never sends PLI still sees a picture at once: of the layer p gets
// (layered media), else of the shared encoder. The encoders merge requests
// closer than 300 ms.
func (s *Session) keyFrameForNewReceiver(p *peer) {
	if pv := p.video.Load(); pv != nil {
		pv.requestKeyFrame()
		return
	}
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if m != nil {
		m.RequestKeyFrame()
	}
}

// fillCongestion adds the estimate toward p and the shared encoder's
// target to st.
func (s *Session) fillCongestion(st *store.Stats, p *peer) {
	if e := p.bwe.Load(); e != nil {
		st.AvailableSendKbps = float64(e.kbps())
	}
	if p.video.Load() != nil {
		// Layered media: what this peer gets.
		st.SendLayer = layerName(mediacodec.LayerLow)
		if ps := p.send.Load(); ps != nil {
			st.SendLayer = layerName(ps.Layer)
			st.SendTargetKbps = float64(ps.Kbps)
			st.VideoPaused = ps.Layer == noLayer
			st.LimitedBy = ps.LimitedBy
		}
		return
	}
	st.SendLayer = SendLayerShared
	t, ok := s.adapt.get()
	if !ok {
		return
	}
	st.SendTargetKbps = float64(t.Kbps)
	st.VideoPaused = t.Paused
	if t.Limited {
		st.LimitedBy = LimitedByBandwidth
	}
}
