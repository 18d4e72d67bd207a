package rtc

import "time"

// ladderConfig shapes the degradation ladder. The zero value is not
// useful; defaultLadder fills it.
type ladderConfig struct {
	MaxKbps         int           // video ceiling (the encoder's configured rate or the user's cap)
	StartKbps       int           // first target (0: MaxKbps), from the initial estimate
	FullFPS, LowFPS int           // frame rates at the top and on the lower-frame-rate rung
	LowFPSBelowKbps int           // below this target video runs at LowFPS
	PauseBelowKbps  int           // below this video pauses: audio only
	PauseAfter      time.Duration // ...once it has stayed below that long
	ProbeKbps       int           // the rate a resume probe sends video at
	DownFactor      float64       // go down at once when available < target × DownFactor
	UpHold          time.Duration // no increase until this long after the last decrease
	UpKbpsPerSecond int           // increase by at most this many kbps per second...
	UpPerSecond     float64       // ...plus this share of the target, once above the last cut's level
	StartPerSecond  float64       // ...plus this share of the target before any link has pushed back (see congested); 0: none
	ProbeEvery      time.Duration // first wait before a resume probe; doubles per failed probe
	ProbeMax        time.Duration // longest wait between probes
	ProbeGrace      time.Duration // a probe is judged after this long
}

// defaultLadder returns the ladder for a video ceiling of maxKbps at fps.
func defaultLadder(maxKbps, fps int) ladderConfig {
	return ladderConfig{
		MaxKbps:         maxKbps,
		FullFPS:         fps,
		LowFPS:          min(15, fps),
		LowFPSBelowKbps: 250,
		PauseBelowKbps:  40,
		PauseAfter:      time.Second,
		ProbeKbps:       64,
		DownFactor:      0.85,
		UpHold:          4 * time.Second,
		UpKbpsPerSecond: 12,
		UpPerSecond:     0.04,
		ProbeEvery:      4 * time.Second,
		ProbeMax:        16 * time.Second,
		ProbeGrace:      4 * time.Second,
	}
}

// freeFor is how long no link must limit us before the ladder climbs
// proportionally again below the last cut's level.
const freeFor = 3 * time.Second

// videoTarget is what the shared video encoder should do.
type videoTarget struct {
	Kbps   int  // encoder bitrate (0 while paused)
	FPS    int  // frames per second to send
	Paused bool // no video at all: audio only
	// Limited reports that the target is below the ceiling because of the
	// network (bandwidth), not by configuration.
	Limited bool
}

// ladder turns the available video bandwidth into an encoder target with
// hysteresis: down at once, up slowly after a quiet spell, paused below a
// floor and resumed by probing (a paused stream cannot raise the estimate,
// which only grows with what is sent). It is pure: the caller supplies
// time and the estimate, so tests drive it with a table.
type ladder struct {
	cfg         ladderConfig
	cur         videoTarget
	started     bool
	lastDown    time.Time // last decrease (or pause, or probe start)
	lastUpdate  time.Time
	pausedAt    time.Time
	probeWait   time.Duration
	probeAt     time.Time // start of the running probe; zero when none
	probeHeldAt time.Time // when the last probe held, until probeConfirm later; zero when none
	lowSince    time.Time // since when avail is below the pause floor; zero when not
	cutFrom     int       // the target the last decrease started from
	freeSince   time.Time // since when no link limits us; zero while one does
	pushedBack  bool      // a link has pushed back (see congested), or video paused: startup is over
	queued      bool      // a standing queue holds the link (see setStanding)
}

func newLadder(cfg ladderConfig) *ladder { return &ladder{cfg: cfg, probeWait: cfg.ProbeEvery} }

// update decides the target at now for availKbps of video bandwidth: what
// the links allow after audio (the lowest estimate that is below what we
// send), or anything above MaxKbps when no link limits us. An estimate
// above what we send proves nothing either way (gcc caps it at 1.5× what
// arrives), so the caller passes it as no limit: a static picture that
// encodes far below its target must not drag the target down, and
// resuming after a pause goes through the fixed-rate probe.
func (l *ladder) update(now time.Time, availKbps int) videoTarget {
	c := l.cfg
	avail := min(max(availKbps, 0), c.MaxKbps)
	if !l.started {
		l.started = true
		l.cur = videoTarget{Kbps: c.MaxKbps, FPS: c.FullFPS}
		if c.StartKbps > 0 {
			l.cur.Kbps = min(c.StartKbps, c.MaxKbps)
		}
		l.lastUpdate = now
	}
	dt := now.Sub(l.lastUpdate)
	l.lastUpdate = now
	switch {
	case availKbps < c.MaxKbps:
		l.freeSince = time.Time{}
	case l.freeSince.IsZero():
		l.freeSince = now
	}
	switch {
	case avail >= c.PauseBelowKbps:
		l.lowSince = time.Time{}
	case l.lowSince.IsZero():
		l.lowSince = now
	}

	switch {
	case l.cur.Paused:
		if now.Sub(l.pausedAt) >= l.probeWait && !l.queued {
			// Probe: send a little video again and see whether the
			// estimate, fed by the extra rate, holds. Not at the estimate:
			// with only audio flowing it grows unchecked and proves nothing.
			l.cur = videoTarget{Kbps: c.ProbeKbps, FPS: c.LowFPS}
			l.probeAt, l.lastDown = now, now
		}
	case !l.probeAt.IsZero() && l.queued && now.Sub(l.probeAt) >= time.Second:
		// The probe refilled a standing queue: it failed, whatever the
		// estimate says.
		l.pause(now, true)
	case !l.probeAt.IsZero() && now.Sub(l.probeAt) < c.ProbeGrace:
		// A probe is judged only at the end of its grace: the estimate it
		// starts from was earned by audio alone (gcc answers overuse with
		// 0.85× what arrived, then grows by 8 %/s at most), so it needs
		// the probe's rate for a while before it can show the room.
	case !l.probeAt.IsZero() && avail < c.PauseBelowKbps:
		l.pause(now, true)
	case avail < c.PauseBelowKbps && now.Sub(l.lowSince) >= c.PauseAfter:
		// Only a floor that lasts pauses: one low reading (a key frame
		// queued, a burst of loss) must not cost the stream, which is slow
		// to win back.
		l.pause(now, !l.probeHeldAt.IsZero())
	default:
		if !l.probeAt.IsZero() {
			l.probeAt, l.probeHeldAt = time.Time{}, now // the probe held, for now
		}
		if !l.probeHeldAt.IsZero() && now.Sub(l.probeHeldAt) >= probeConfirm {
			l.probeHeldAt, l.probeWait = time.Time{}, c.ProbeEvery // and it lasted
		}
		switch {
		case float64(avail) < float64(l.cur.Kbps)*c.DownFactor:
			if now.Sub(l.lastDown) >= c.UpHold {
				l.cutFrom = 0 // a new episode; cuts in a row are one
			}
			l.cutFrom = max(l.cutFrom, l.cur.Kbps)
			l.cur.Kbps = max(avail, c.PauseBelowKbps)
			l.lastDown, l.pushedBack = now, true
		case avail > l.cur.Kbps && !l.queued:
			// Increase only for the time since the hold ended. Up to the
			// level the last decrease started from, by a fixed kbps per
			// second: streams sharing a bottleneck are cut by the same
			// factor and then gain alike, so their shares converge
			// (additive increase, multiplicative decrease). Clearly above
			// it, or when no link has limited us for freeFor (gcc's
			// estimate well above what we send: a cut was spurious, a CPU
			// stall read as delay), the room is new, so the step grows
			// with the rate.
			if up := min(dt, now.Sub(l.lastDown.Add(c.UpHold))); up > 0 {
				perSecond := float64(c.UpKbpsPerSecond)
				if (!l.freeSince.IsZero() && now.Sub(l.freeSince) >= freeFor) || float64(l.cur.Kbps) >= float64(l.cutFrom)*1.1 {
					perSecond += float64(l.cur.Kbps) * c.UpPerSecond
				}
				if !l.pushedBack {
					// Startup: until a link first pushes back, the target
					// grows by a quarter a second, so a clean link reaches
					// the full picture within seconds rather than the half
					// minute the cautious climb takes. It costs nothing on
					// a narrow link: the target follows the estimate there
					// (avail), which gcc grows by 8 %/s at most, and the
					// first sign of congestion ends the startup.
					perSecond += float64(l.cur.Kbps) * c.StartPerSecond
				}
				step := perSecond * up.Seconds()
				l.cur.Kbps = min(avail, l.cur.Kbps+max(int(step), 1))
			}
		}
		switch {
		case l.cur.Kbps < c.LowFPSBelowKbps:
			l.cur.FPS = c.LowFPS
		case l.cur.Kbps >= c.LowFPSBelowKbps*6/5:
			l.cur.FPS = c.FullFPS
		}
	}
	l.cur.Limited = l.cur.Paused || l.cur.Kbps < c.MaxKbps
	return l.cur
}

// setStanding tells the ladder whether a standing queue holds the link
// (see queueWatch): while one does, the target does not rise and video
// does not resume, and a running probe fails.
func (l *ladder) setStanding(standing bool) {
	l.queued = standing
	if standing {
		l.pushedBack = true
	}
}

// congested ends the startup (see StartPerSecond): a link has pushed
// back — gcc's estimate fell, or it sees the queue growing.
func (l *ladder) congested() { l.pushedBack = true }

// probeConfirm: a probe that held counts as failed when video pauses
// again within this long, so its wait still doubles. Measured on a 150 kbps
// link shared by both directions (real sockets), where audio alone nearly
// fills the link: the estimate right after a probe's grace often showed a
// moment above the floor, the wait was reset to its first 4 s, and video
// (probe, three seconds at the floor, pause) ran half the time and kept
// the queue full.
const probeConfirm = 10 * time.Second

// pause stops video; a failed probe doubles the wait before the next.
func (l *ladder) pause(now time.Time, failedProbe bool) {
	if failedProbe {
		l.probeWait = min(l.probeWait*2, l.cfg.ProbeMax)
	}
	l.probeAt, l.probeHeldAt, l.pushedBack = time.Time{}, time.Time{}, true
	l.cur = videoTarget{Paused: true, FPS: l.cfg.LowFPS}
	l.pausedAt, l.lastDown = now, now
}

// capAt lowers the target to at most kbps without counting it as a cut of
// the link: the climb from there is additive (as below the level of a cut)
// unless no link limits us, and no hold starts. It is how a switch to the
// high layer starts near the low layer's rate rather than at the blind
// target the ladder reached while the low layer's ceiling held the sent
// rate down.
func (l *ladder) capAt(kbps int) {
	if !l.started || l.cur.Paused || l.cur.Kbps <= kbps {
		return
	}
	l.cutFrom = max(l.cutFrom, l.cur.Kbps)
	l.cur.Kbps = kbps
	if l.cur.Kbps < l.cfg.LowFPSBelowKbps {
		l.cur.FPS = l.cfg.LowFPS
	}
	l.cur.Limited = l.cur.Kbps < l.cfg.MaxKbps
}
