package rtc

import (
	"testing"
	"time"
)

// TestLadder drives the ladder through scripted estimates on a fake clock
// and checks each rung: fast down, hold, additive then proportional up,
// lower frame rate, pause only after a lasting floor, failed and successful
// probes.
func TestLadder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type step struct {
		at     time.Duration // since t0
		avail  int
		kbps   int // want
		fps    int
		paused bool
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"starts at the ceiling and stays on a wide link", []step{
			{0, 800, 800, 30, false},
			{time.Second, 2000, 800, 30, false},
		}},
		{"small dips inside the band are ignored", []step{
			{0, 800, 800, 30, false},
			{time.Second, 700, 800, 30, false}, // 700 > 800×0.85
		}},
		{"down at once, up only after the hold, by a fixed step up to the cut's level", []step{
			{0, 800, 800, 30, false},
			{time.Second, 400, 400, 30, false},
			{2 * time.Second, 700, 400, 30, false},         // within the hold
			{4 * time.Second, 700, 400, 30, false},         // still within (4 s)
			{5 * time.Second, 700, 400, 30, false},         // the hold just ended
			{6 * time.Second, 700, 412, 30, false},         // +12 kbps over 1 s
			{6500 * time.Millisecond, 700, 418, 30, false}, // +6 over 0.5 s
		}},
		{"no link limiting us for 3 s: the step grows with the rate below the cut's level too", []step{
			{0, 800, 800, 30, false},
			{time.Second, 400, 400, 30, false},
			{2 * time.Second, 800, 400, 30, false}, // free from here
			{5 * time.Second, 800, 400, 30, false}, // the hold just ended
			{6 * time.Second, 800, 428, 30, false}, // 12 + 4 % of 400
		}},
		{"above the last cut's level the step grows with the rate", []step{
			{0, 800, 800, 30, false},
			{time.Second, 100, 100, 15, false},
			{20 * time.Second, 100, 100, 15, false},
			{21 * time.Second, 80, 80, 15, false}, // a new episode: its level is 100
			{26 * time.Second, 800, 92, 15, false},
			{27 * time.Second, 800, 104, 15, false},
			{28 * time.Second, 800, 116, 15, false},
			{29 * time.Second, 800, 132, 15, false}, // 12 + 4 % of 116
		}},
		{"lower frame rate below 250 kbps, full again only from 300", []step{
			{0, 800, 800, 30, false},
			{time.Second, 200, 200, 15, false},
			{6 * time.Second, 265, 212, 15, false},
			{20 * time.Second, 265, 265, 15, false},
			{21 * time.Second, 700, 277, 15, false},
			{24 * time.Second, 700, 313, 30, false},
		}},
		{"pause after a second below the floor, a failed probe doubles the wait", []step{
			{0, 800, 800, 30, false},
			{time.Second, 30, 40, 15, false}, // at the floor for now
			{1500 * time.Millisecond, 30, 40, 15, false},
			{2 * time.Second, 30, 0, 15, true},
			{5 * time.Second, 30, 0, 15, true},   // waits 4 s before probing
			{6 * time.Second, 30, 64, 15, false}, // probe at 64 kbps
			{8 * time.Second, 30, 64, 15, false}, // grace: not judged yet
			{10 * time.Second, 30, 0, 15, true},  // probe failed: paused, next wait 8 s
			{17 * time.Second, 30, 0, 15, true},
			{18 * time.Second, 30, 64, 15, false}, // second probe
		}},
		{"a low reading that does not last does not pause", []step{
			{0, 800, 800, 30, false},
			{time.Second, 20, 40, 15, false},
			{1500 * time.Millisecond, 300, 40, 15, false}, // within the hold
			{2500 * time.Millisecond, 20, 40, 15, false},  // the second starts again
			{3 * time.Second, 20, 40, 15, false},
			{3500 * time.Millisecond, 20, 0, 15, true},
		}},
		{"a probe that holds resumes and climbs", []step{
			{0, 800, 800, 30, false},
			{time.Second, 30, 40, 15, false},
			{2 * time.Second, 30, 0, 15, true},
			{6 * time.Second, 400, 64, 15, false},  // the probe ignores an estimate grown on audio alone
			{10 * time.Second, 120, 64, 15, false}, // probe held; hold since the probe started
			{11 * time.Second, 120, 76, 15, false}, // +12 kbps/s
		}},
		{"audio only when nothing is left", []step{
			{0, 0, 40, 15, false},
			{time.Second, 0, 0, 15, true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLadder(defaultLadder(800, 30))
			for i, s := range tc.steps {
				got := l.update(t0.Add(s.at), s.avail)
				if got.Kbps != s.kbps || got.FPS != s.fps || got.Paused != s.paused {
					t.Fatalf("step %d (t=%v, avail %d): got %+v, want kbps %d fps %d paused %v", i, s.at, s.avail, got, s.kbps, s.fps, s.paused)
				}
				if got.Limited != (got.Paused || got.Kbps < 800) {
					t.Fatalf("step %d: Limited %v for %+v", i, got.Limited, got)
				}
			}
		})
	}
}

// TestLadderIsDeterministic: the same inputs give the same decisions.
func TestLadderIsDeterministic(t *testing.T) {
	run := func() []videoTarget {
		l := newLadder(defaultLadder(600, 30))
		var out []videoTarget
		t0 := time.Unix(0, 0)
		for i := range 200 {
			avail := 100 + (i*37)%500
			out = append(out, l.update(t0.Add(time.Duration(i)*250*time.Millisecond), avail))
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("decision %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// TestVideoCeiling: the ladder's top and the estimate's bounds follow the
// encoder's configured rate and Config.MaxSendKbps, whichever is lower.
func TestVideoCeiling(t *testing.T) {
	for _, tc := range []struct {
		maxSend, encoder, want int
	}{
		{0, 800, 800},
		{0, 1200, 1200},
		{500, 800, 440},  // 500 minus the audio reserve
		{2000, 800, 800}, // a cap above the encoder changes nothing
		{50, 800, minEstimateKbps},
	} {
		s := New(Config{MaxSendKbps: tc.maxSend, Logger: discardLogger()})
		s.media = newRateMedia(tc.encoder, 30)
		if got := s.maxVideoKbps(); got != tc.want {
			t.Errorf("MaxSendKbps %d, encoder %d: ceiling %d, want %d", tc.maxSend, tc.encoder, got, tc.want)
		}
		_ = s.media.Close()
	}
	initial, lo, hi := estimateBounds(800)
	if initial != initialEstimateKbps*1000 || lo != minEstimateKbps*1000 || hi != (800+audioReserveKbps)*1100 {
		t.Errorf("estimate bounds %d/%d/%d", initial, lo, hi)
	}
	if initial, _, hi := estimateBounds(100); initial > hi {
		t.Errorf("initial %d above max %d", initial, hi)
	}
}

// TestLinkLimit: a connection limits the encoder only when its estimate is
// below what we send; an estimate gcc caps at 1.5× an app-limited rate, or
// one without a full second of sending behind it, imposes nothing.
func TestLinkLimit(t *testing.T) {
	for _, tc := range []struct {
		v       linkView
		limited bool
	}{
		{linkView{EstimateKbps: 250, SentKbps: 400, Measured: true}, true},  // overuse: 0.85× what arrived
		{linkView{EstimateKbps: 420, SentKbps: 400, Measured: true}, true},  // recovering toward it
		{linkView{EstimateKbps: 150, SentKbps: 100, Measured: true}, false}, // app-limited: 1.5× what we send
		{linkView{EstimateKbps: 900, SentKbps: 100, Measured: true}, false},
		{linkView{EstimateKbps: 50, SentKbps: 0}, false}, // nothing measured yet
	} {
		k, lim := tc.v.limitKbps()
		if lim != tc.limited || (lim && k != tc.v.EstimateKbps) {
			t.Errorf("%+v: limit %d %v, want limited %v", tc.v, k, lim, tc.limited)
		}
	}
}

// TestRaise: rtcterm's estimate follows gcc's down at once and otherwise
// gains at least recoverKbpsPerSecond, within recoverMaxKbps and
// recoverCap× of gcc's and the ceiling.
func TestRaise(t *testing.T) {
	const hi = 900
	for _, tc := range []struct {
		name               string
		prev, lastGCC, gcc int
		dt                 time.Duration
		want               int
	}{
		{"first reading", 0, 0, 300, 0, 300},
		{"gcc fell: follow it", 340, 300, 255, time.Second, 255},
		{"gcc slower than the additive step", 100, 100, 102, time.Second, 120},
		{"gcc faster", 100, 100, 130, time.Second, 130},
		{"at most 40 kbps above gcc", 290, 250, 250, time.Second, 290},
		{"at most 1.4× gcc", 70, 50, 50, time.Second, 70},
		{"never above the ceiling", 890, 880, 880, time.Second, 900},
		{"a small dip is not a fall", 120, 100, 98, time.Second, 137},
	} {
		if got := raise(tc.prev, tc.lastGCC, tc.gcc, hi, tc.dt); got != tc.want {
			t.Errorf("%s: raise(%d, %d, %d) = %d, want %d", tc.name, tc.prev, tc.lastGCC, tc.gcc, got, tc.want)
		}
	}
}

// TestLadderStartup: before any link pushes back, the target grows by a
// quarter a second (StartPerSecond); once one has (congested), by the
// cautious climb only.
func TestLadderStartup(t *testing.T) {
	cfg := defaultLadder(800, 30)
	cfg.StartKbps, cfg.StartPerSecond = 200, 0.25
	climb := func(l *ladder, from time.Time) int {
		var d videoTarget
		for i := 1; i <= 4; i++ { // one second in adaptInterval steps
			d = l.update(from.Add(time.Duration(i)*adaptInterval), 1<<30)
		}
		return d.Kbps
	}
	t0 := time.Unix(0, 0)
	l := newLadder(cfg)
	l.update(t0, 1<<30)
	if got := climb(l, t0); got < 250 {
		t.Errorf("startup: %d kbps a second after 200, want >= 250", got)
	}
	l = newLadder(cfg)
	l.update(t0, 1<<30)
	l.congested()
	if got := climb(l, t0); got > 220 {
		t.Errorf("after congestion: %d kbps a second after 200, want the cautious climb (<= 220)", got)
	}
}
