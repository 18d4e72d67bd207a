package rtc

import (
	"math"
	"time"

	"github.com/rtcterm/rtcterm/mediacodec"
)

// A peer's ladder (with layered media): full → lower frame rate → the low
// layer → video paused. A peer's target is what its link carries (its own
// ladder, as the single-encoder one: down at once, up slowly, paused below
// the floor and resumed by probes); its layer follows the target with a
// gap between the two thresholds, so a target that hovers does not switch
// back and forth (each switch costs a key frame).
const (
	// layerDownKbps: below this target a peer on the high layer moves to
	// the low one (640×480 drops most frames of a camera picture below it).
	layerDownKbps = 250
	// layerUpKbps: from this target a peer on the low layer moves up.
	layerUpKbps = 400
	// highLowFPSBelowKbps: below this the high layer runs at the lower
	// frame rate (full again from 6/5 of it), the rung above the low layer.
	highLowFPSBelowKbps = 450
	// layerDownAfter: a target below layerDownKbps moves the peer down
	// only once it has stayed there this long, or at once below
	// layerDropKbps. Switching up costs a key frame of the high layer,
	// whose burst can make gcc cut its estimate for a moment; the layer's
	// bitrate follows the cut at once, so waiting costs no congestion.
	layerDownAfter = 1500 * time.Millisecond
	layerDropKbps  = 180
)

// The step up to the high layer is blind: on the low layer, capped at its
// ceiling, the sent rate proves at most 1.5× itself, so a target of
// layerUpKbps says only that no link has pushed back yet. On a bottleneck
// that the other direction shares (a home uplink and downlink on one
// queue, two parties on one link), a full step from the low layer's rate
// to the target takes the other side's share, and the additive climb that
// follows gives it back only over minutes (measured on real processes at
// 600 kbps: 254 against 89 kbps). So the high layer starts near the low
// layer's rate (upStartFactor × its ceiling) and climbs from there as the
// ladder does, on what the link then proves; and a peer that falls back
// to the low layer soon after waits before trying again, longer after
// each failed try (upRetryMin doubling to upRetryMax; a peer that stays on
// the high layer for upSettled clears it).
const (
	upStartFactor = 1.2
	upRetryMin    = 10 * time.Second
	upRetryMax    = 40 * time.Second
	upSettled     = 30 * time.Second
	// upSettle: for this long after a step up, a target between
	// layerDropKbps and layerDownKbps does not count toward moving back
	// down. The high layer's first key frame (up to 7.5 frames' worth)
	// makes gcc cut for a moment even on a wide link; measured on netsim
	// (1.5 Mbps shared by both directions, a third used) every step up fell
	// back within 1.5 s that way, and the growing hold kept both peers on
	// the low layer.
	upSettle = 4 * time.Second
)

// layeredStartPerSecond is the ladder's startup climb with layered media
// (see ladderConfig.StartPerSecond): every peer starts on the low layer,
// and without it a clean link took ~26 s to reach the full picture (netsim;
// on real sockets the last 20 s of a 40 s call averaged 574–739 kbps
// against 827–837 with one encoder). With it: the high layer from ~4 s,
// the full rate from ~16 s. (The single-encoder ladder keeps its cautious
// start: there the startup let the 300 kbps queue reach p95 130–170 ms in
// half the runs.)
const layeredStartPerSecond = 0.25

// layeredPauseAfter: with layered media, a target at the pause floor
// pauses video only once the link has stayed below it this long; until
// then the low layer keeps sending at the floor (40 kbps: ~11 fps at 320×240
// with the quantizer up to 63). Measured against Chromium at 600 kbps:
// Chromium's queue peaks every ~12 s cut our estimate to 85–100 kbps for
// one to three seconds, and pausing after one second froze our picture
// for 4 s each time (a probe restarts it). A lower floor instead (20 kbps)
// left the picture at 5 fps. A resume probe sends at that floor too (not
// the single encoder's 64 kbps): the low layer moves at it, and on a link
// that audio nearly fills (150 kbps shared by both directions carries
// ~115 kbps of Opus with its headers) every probe overflows the queue.
const layeredPauseAfter = 3 * time.Second

// layeredProbeMax is the longest wait between resume probes with layered
// media: on that 150 kbps link a failed probe leaves a queue that takes
// ~10 s to drain, so probes every 16 s kept it full a third of the time.
const layeredProbeMax = 30 * time.Second

// lowLayerRoomFactor: a peer on the low layer whose gcc estimate is at
// least this multiple of what it is sent (gcc caps an app-limited
// estimate at 1.5×) is not held by a rising delay trend. The layer's
// ceiling, not the link, holds its rate, and the trend is the noise of a
// queue that stays put: measured on netsim, a 1.5 Mbps link shared by both
// directions and a third used read as rising most of the time while gcc's
// estimate climbed to its ceiling, and the hold kept both peers on the
// low layer for the whole call. (Not for the high layer or the shared
// encoder: there a high estimate with a rising trend is the other
// direction filling a shared queue — dropping that hold let the 300 kbps
// queue reach p95 140–170 ms.)
const lowLayerRoomFactor = 1.45

// upHold is one peer's state of the step up to the high layer.
type upHold struct {
	wait    time.Duration // the hold after the next fall back
	until   time.Time     // no step up before
	upSince time.Time     // when it last went up (zero while on the low layer)
}

// settling reports that the peer stepped up less than upSettle ago: the
// high layer's first key frame is still in the queue.
func (h *upHold) settling(now time.Time) bool {
	return !h.upSince.IsZero() && now.Sub(h.upSince) < upSettle
}

// held reports whether a step up must wait at now.
func (h *upHold) held(now time.Time) bool { return now.Before(h.until) }

// switched records the peer's layer change from prev to next at now.
func (h *upHold) switched(prev, next mediacodec.Layer, now time.Time) {
	switch {
	case prev != mediacodec.LayerHigh && next == mediacodec.LayerHigh:
		h.upSince = now
	case prev == mediacodec.LayerHigh && next == mediacodec.LayerHigh:
		if !h.upSince.IsZero() && now.Sub(h.upSince) >= upSettled {
			h.wait = 0 // the step held
		}
	case prev == mediacodec.LayerHigh:
		h.wait = min(max(h.wait*2, upRetryMin), upRetryMax)
		h.until = now.Add(h.wait)
		h.upSince = time.Time{}
	}
}

// chooseLayer is the layer for a peer whose ladder decided d, given the
// layer it has now and for how long its target has been below
// layerDownKbps. forceLow: it asked for little (its low-bandwidth mode),
// or ours is on. upHeld: a step up must wait (see upHold).
func chooseLayer(prev mediacodec.Layer, d videoTarget, belowFor time.Duration, forceLow, upHeld bool) mediacodec.Layer {
	switch {
	case d.Paused:
		return noLayer
	case forceLow:
		return mediacodec.LayerLow
	case prev == mediacodec.LayerHigh && d.Kbps < layerDownKbps:
		if d.Kbps < layerDropKbps || belowFor >= layerDownAfter {
			return mediacodec.LayerLow
		}
		return prev
	case prev != mediacodec.LayerHigh && d.Kbps >= layerUpKbps && !upHeld:
		return mediacodec.LayerHigh
	case prev == noLayer:
		return mediacodec.LayerLow // resuming, or starting: the small picture first
	}
	return prev
}

// The high layer's bitrate is the lowest target among the peers on it, so
// a peer far below the best of them would hold the others down: one whose
// target is below layerShareDown of the best target on the high layer
// gets the low layer instead, and comes up again only from layerShareUp
// of it (its own ladder still decides for a peer alone on the layer).
const (
	layerShareDown = 0.55
	layerShareUp   = 0.65
)

// layerPick is one peer's layer decision: the layer it had, the one its
// ladder chose and its target.
type layerPick struct {
	Prev, Next mediacodec.Layer
	Kbps       int
}

// shareHighLayer moves to the low layer the peers chosen for the high
// layer whose targets are too far below the best one on it (see
// layerShareDown). It is pure.
func shareHighLayer(picks []layerPick) {
	best := 0
	for _, p := range picks {
		if p.Next == mediacodec.LayerHigh {
			best = max(best, p.Kbps)
		}
	}
	for i := range picks {
		p := &picks[i]
		if p.Next != mediacodec.LayerHigh {
			continue
		}
		share := layerShareDown
		if p.Prev != mediacodec.LayerHigh {
			share = layerShareUp
		}
		if float64(p.Kbps) < share*float64(best) {
			p.Next = mediacodec.LayerLow
		}
	}
}

// peerSend is what is sent to one peer, for its stats.
type peerSend struct {
	Layer     mediacodec.Layer // chosen (noLayer: paused)
	Kbps      int              // the target of the layer it gets
	LimitedBy string           // why below the ceiling, "" if not
}

// layeredAdaptation is the adaptation loop's state with layered media;
// only the loop touches it.
type layeredAdaptation struct {
	ladders map[*peer]*ladder
	last    map[*peer]videoTarget
	below   map[*peer]time.Time // since when the peer's target is below layerDownKbps
	ups     map[*peer]*upHold
	queues  map[*peer]*queueWatch
	targets [mediacodec.Layers]videoTarget // last sent to the media
	sent    [mediacodec.Layers]bool
	paused  bool // video paused toward every connected peer (media-state)
}

// layerGroup collects the peers on one layer: its target is the lowest.
type layerGroup struct {
	kbps, fps int
	n         int
}

func (g *layerGroup) add(d videoTarget) {
	if g.n == 0 || d.Kbps < g.kbps {
		g.kbps = d.Kbps
	}
	if g.n == 0 || d.FPS < g.fps {
		g.fps = d.FPS
	}
	g.n++
}

// adaptLayers runs one step of per-peer adaptation: every connected
// peer's ladder and layer, then each layer's encoder target from the
// peers on it.
func (s *Session) adaptLayers(now time.Time, lm LayeredMedia, a *layeredAdaptation) {
	if a.ladders == nil {
		a.ladders, a.last, a.below = map[*peer]*ladder{}, map[*peer]videoTarget{}, map[*peer]time.Time{}
	}
	if a.ups == nil {
		a.ups, a.queues = map[*peer]*upHold{}, map[*peer]*queueWatch{}
	}
	highMax, highFPS := lm.LayerMax(mediacodec.LayerHigh)
	highMax = min(highMax, s.maxVideoKbps())
	lowMax, lowFPS := lm.LayerMax(mediacodec.LayerLow)
	ourLow := s.lowBandwidthOn()

	s.mu.Lock()
	peers := make([]*peer, 0, len(s.peers))
	for _, p := range s.peers {
		peers = append(peers, p)
	}
	s.mu.Unlock()
	live := map[*peer]bool{}
	type choice struct {
		p    *peer
		pv   *peerVideo
		d    videoTarget
		send peerSend
		l    *ladder
		up   *upHold
	}
	var choices []choice
	var picks []layerPick
	for _, p := range peers {
		e := p.bwe.Load()
		if e == nil {
			continue
		}
		v := e.update(now)
		pv := p.video.Load()
		if !p.up.Load() || pv == nil {
			continue
		}
		live[p] = true
		l := a.ladders[p]
		if l == nil {
			cfg := defaultLadder(highMax, highFPS)
			cfg.LowFPSBelowKbps = highLowFPSBelowKbps
			cfg.StartKbps = videoKbps(initialEstimateKbps)
			cfg.StartPerSecond = layeredStartPerSecond
			cfg.PauseAfter, cfg.ProbeKbps, cfg.ProbeMax = layeredPauseAfter, cfg.PauseBelowKbps, layeredProbeMax
			// The shared ladder's increase: measured on netsim, twice as
			// fast (20 kbps/s, 8 %/s), or fast only while the target is
			// above the low layer's ceiling, brings a peer back to the
			// high layer sooner but lets the 300 kbps queue reach p95
			// 122–149 ms.
			l = newLadder(cfg)
			a.ladders[p] = l
		}
		if v.Fell {
			// Only a fall ends the startup: a rising delay trend alone
			// comes with every step up's key frame, even on a clean link
			// (it still holds the target, below).
			l.congested()
		}
		avail := math.MaxInt
		k, limited := v.limitKbps()
		if limited {
			avail = videoKbps(k)
		}
		last := a.last[p]
		_, prev := pv.sending()
		rising := v.DelayRising
		if prev == mediacodec.LayerLow && v.Measured && float64(v.EstimateKbps) >= lowLayerRoomFactor*float64(v.SentKbps) {
			// On the low layer, held at its ceiling, with gcc's estimate
			// far above what it sends: the trend is noise (see
			// lowLayerRoomFactor).
			rising = false
		}
		if rising && !last.Paused && last.Kbps > 0 {
			// Hold: the queue grows. (Holding a low-layer peer at what it
			// sends, the ceiling, rather than its blind target looked
			// fairer on a shared 600 kbps netsim link but deepened the
			// 300 kbps queue to p95 184 ms and kept a widened link's peer
			// on the low layer for over 2 minutes.)
			avail = min(avail, last.Kbps)
		}
		w := a.queues[p]
		if w == nil {
			w = &queueWatch{}
			a.queues[p] = w
		}
		standing, cut := w.standing(now, p.remoteRTT(), iceRTT(s.peerPC(p)))
		l.setStanding(standing)
		if cut && !last.Paused && last.Kbps > 0 {
			avail = min(avail, int(standingQueueFactor*float64(last.Kbps)))
		}
		wantsLow := p.wantsLow.Load()
		if ourLow || wantsLow {
			avail = min(avail, videoKbps(lowBandwidthKbps))
		}
		d := l.update(now, avail)
		a.last[p] = d
		up := a.ups[p]
		if up == nil {
			up = &upHold{}
			a.ups[p] = up
		}
		var belowFor time.Duration
		switch since, ok := a.below[p]; {
		case d.Paused || d.Kbps >= layerDownKbps || up.settling(now):
			delete(a.below, p)
		case ok:
			belowFor = now.Sub(since)
		default:
			a.below[p] = now
		}
		c := choice{p: p, pv: pv, d: d, l: l, up: up}
		switch {
		case wantsLow:
			c.send.LimitedBy = LimitedByPeerRequest
		case d.Limited:
			c.send.LimitedBy = LimitedByBandwidth
		}
		choices = append(choices, c)
		picks = append(picks, layerPick{Prev: prev, Next: chooseLayer(prev, d, belowFor, ourLow || wantsLow, up.held(now)), Kbps: d.Kbps})
	}
	shareHighLayer(picks)
	// A step up starts near the low layer's rate (upStartFactor), but not
	// so far below the peers already on the high layer that sharing it
	// (layerShareDown) sends the peer straight back.
	upStart := int(upStartFactor * float64(min(lowMax, highMax)))
	for _, p := range picks {
		if p.Prev == mediacodec.LayerHigh && p.Next == mediacodec.LayerHigh {
			upStart = max(upStart, int(math.Ceil(layerShareUp*float64(p.Kbps))))
		}
	}
	var groups [mediacodec.Layers]layerGroup
	connected, paused := len(choices), 0
	for i := range choices {
		c := &choices[i]
		c.send.Layer = picks[i].Next
		c.up.switched(picks[i].Prev, c.send.Layer, now)
		if picks[i].Prev != mediacodec.LayerHigh && c.send.Layer == mediacodec.LayerHigh {
			// The first step up: near the low layer's rate (see upStartFactor).
			c.l.capAt(upStart)
			c.d = c.l.cur
			a.last[c.p] = c.d
		}
		if c.send.Layer == noLayer {
			paused++
		} else {
			groups[c.send.Layer].add(c.d)
		}
	}
	for p := range a.ladders {
		if !live[p] {
			delete(a.ladders, p)
			delete(a.last, p)
			delete(a.below, p)
			delete(a.ups, p)
			delete(a.queues, p)
		}
	}
	if connected == 0 {
		return // nobody to send to: keep the last decision
	}

	// Each layer's encoder serves the most limited peer on it; a layer
	// nobody gets is paused (the low one also idles without subscribers).
	ceil := [mediacodec.Layers][2]int{{highMax, highFPS}, {min(lowMax, highMax), lowFPS}}
	for i := range groups {
		g := groups[i]
		t := videoTarget{Paused: true}
		if g.n > 0 {
			t = videoTarget{Kbps: min(g.kbps, ceil[i][0]), FPS: min(g.fps, ceil[i][1])}
		}
		if !a.sent[i] || t != a.targets[i] {
			a.targets[i], a.sent[i] = t, true
			lm.SetLayerTarget(mediacodec.Layer(i), t.Kbps, t.FPS, t.Paused)
		}
	}
	for _, c := range choices {
		if c.send.Layer != noLayer {
			c.send.Kbps = a.targets[c.send.Layer].Kbps
		}
		c.p.send.Store(&c.send)
		c.p.layerPick.Store(int32(c.send.Layer) + 1)
		c.pv.setLayer(c.send.Layer, now)
	}

	allPaused := paused == connected
	s.adapt.set(videoTarget{Paused: allPaused, Limited: allPaused})
	if allPaused != a.paused {
		a.paused = allPaused
		// Tell the room: their screens say why our video stopped.
		s.post(s.sendMediaState)
	}
}
