package rtc

import (
	"testing"
	"time"
)

// TestQueueWatch: a round trip more than standingQueue above the lowest
// one seen is a standing queue; cuts come at most once per
// standingQueueCut; the lowest round trip drifts up slowly, so a longer
// route stops reading as a queue.
func TestQueueWatch(t *testing.T) {
	t0 := time.Unix(0, 0)
	var w queueWatch
	if s, c := w.standing(t0, 0, 0); s || c {
		t.Fatal("no report yet: not standing")
	}
	var full queueWatch
	full.standing(t0, 0, 2*time.Millisecond) // ICE measured the path at connection time
	if s, _ := full.standing(t0.Add(time.Second), 1200*time.Millisecond, 900*time.Millisecond); !s {
		t.Error("a first report of 1.2 s on a 2 ms path: the queue filled before it")
	}
	var far queueWatch
	far.standing(t0, 0, 600*time.Millisecond)
	if s, _ := far.standing(t0.Add(time.Second), 650*time.Millisecond, 0); s {
		t.Error("a 600 ms path (ICE) is not a queue")
	}
	if s, _ := w.standing(t0, 40*time.Millisecond, 0); s {
		t.Fatal("the first report is the minimum")
	}
	if s, _ := w.standing(t0.Add(time.Second), 250*time.Millisecond, 0); s {
		t.Error("210 ms above the minimum: within standingQueue")
	}
	s, c := w.standing(t0.Add(2*time.Second), 400*time.Millisecond, 0)
	if !s || !c {
		t.Errorf("360 ms above the minimum: standing %v, cut %v; want both", s, c)
	}
	if s, c := w.standing(t0.Add(2500*time.Millisecond), 400*time.Millisecond, 0); !s || c {
		t.Errorf("half a second later: standing %v, cut %v; want standing, no cut yet", s, c)
	}
	if s, c := w.standing(t0.Add(3*time.Second), 400*time.Millisecond, 0); !s || !c {
		t.Errorf("a second after the cut: standing %v, cut %v; want both", s, c)
	}
	// Three minutes at 400 ms: the minimum has drifted to it.
	var last bool
	for i := 4; i < 200; i++ {
		last, _ = w.standing(t0.Add(time.Duration(i)*time.Second), 400*time.Millisecond, 0)
	}
	if last {
		t.Error("a round trip that stays for minutes is the route, not a queue")
	}
}

// TestLadderStandingQueue: while a standing queue holds the link, a paused
// ladder does not probe and a running probe fails after a second (its
// wait doubles); the target does not rise.
func TestLadderStandingQueue(t *testing.T) {
	cfg := defaultLadder(800, 30)
	t0 := time.Unix(0, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

	l := newLadder(cfg)
	l.update(at(0), 300)
	l.setStanding(true)
	if d := l.update(at(1), 1<<30); d.Kbps > 300 {
		t.Errorf("standing queue: target rose to %d", d.Kbps)
	}

	l = newLadder(cfg)
	l.update(at(0), 300)
	l.update(at(0.5), 10)
	if d := l.update(at(2), 10); !d.Paused {
		t.Fatalf("below the floor for 1.5 s: %+v, want paused", d)
	}
	l.setStanding(true)
	if d := l.update(at(2+cfg.ProbeEvery.Seconds()+1), 1<<30); !d.Paused {
		t.Errorf("standing queue: probed (%+v), want still paused", d)
	}
	l.setStanding(false)
	probeStart := 2 + cfg.ProbeEvery.Seconds() + 1.25
	if d := l.update(at(probeStart), 1<<30); d.Paused || d.Kbps != cfg.ProbeKbps {
		t.Fatalf("queue drained: %+v, want a probe at %d", d, cfg.ProbeKbps)
	}
	l.setStanding(true)
	if d := l.update(at(probeStart+1.25), 1<<30); !d.Paused {
		t.Errorf("the probe refilled the queue: %+v, want paused", d)
	}
	if l.probeWait != 2*cfg.ProbeEvery {
		t.Errorf("wait after the failed probe %v, want %v", l.probeWait, 2*cfg.ProbeEvery)
	}
}

// TestLadderProbeMustLast: a probe that holds past its grace but is
// followed by a pause within probeConfirm counts as failed (its wait
// doubles); one that lasts resets the wait.
func TestLadderProbeMustLast(t *testing.T) {
	cfg := defaultLadder(800, 30)
	t0 := time.Unix(0, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	l := newLadder(cfg)
	l.update(at(0), 300)
	l.update(at(0.5), 10)
	l.update(at(2), 10) // paused
	probe := 2 + cfg.ProbeEvery.Seconds()
	l.update(at(probe), 1<<30) // the probe starts
	held := probe + cfg.ProbeGrace.Seconds()
	if d := l.update(at(held), 1<<30); d.Paused {
		t.Fatalf("the probe should hold: %+v", d)
	}
	l.update(at(held+0.5), 10)
	if d := l.update(at(held+0.5+cfg.PauseAfter.Seconds()), 10); !d.Paused {
		t.Fatalf("below the floor again: %+v, want paused", d)
	}
	if l.probeWait != 2*cfg.ProbeEvery {
		t.Errorf("wait after a probe that did not last %v, want %v", l.probeWait, 2*cfg.ProbeEvery)
	}
}
