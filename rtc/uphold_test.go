package rtc

import (
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/mediacodec"
)

// TestUpHoldBacksOffFailedStepsUp: a peer that falls back to the low layer
// soon after stepping up waits before the next step, twice as long after
// each failed one up to upRetryMax; one that stayed up for upSettled
// starts again from upRetryMin.
func TestUpHoldBacksOffFailedStepsUp(t *testing.T) {
	const hi, lo = mediacodec.LayerHigh, mediacodec.LayerLow
	t0 := time.Unix(1000, 0)
	var h upHold
	if h.held(t0) {
		t.Fatal("held before any step")
	}
	now := t0
	for i, want := range []time.Duration{upRetryMin, 2 * upRetryMin, 4 * upRetryMin, upRetryMax, upRetryMax} {
		h.switched(lo, hi, now)
		now = now.Add(5 * time.Second)
		h.switched(hi, hi, now)
		h.switched(hi, lo, now)
		if !h.held(now.Add(want-time.Millisecond)) || h.held(now.Add(want)) {
			t.Fatalf("fall back %d: held %v, want %v", i+1, h.until.Sub(now), want)
		}
		now = now.Add(want)
	}
	h.switched(lo, hi, now)
	now = now.Add(upSettled)
	h.switched(hi, hi, now) // settled
	h.switched(hi, lo, now)
	if got := h.until.Sub(now); got != upRetryMin {
		t.Fatalf("after a step that held, the hold is %v, want %v", got, upRetryMin)
	}
	h.switched(lo, lo, now.Add(time.Second))
	if got := h.until.Sub(now); got != upRetryMin {
		t.Fatalf("staying low changed the hold to %v", got)
	}
}

// TestLadderCapAtClimbsAdditively: a target capped at the step up climbs
// by the additive step while a link limits it (not by the proportional
// one of new room), and at once by neither a hold nor a cut.
func TestLadderCapAtClimbsAdditively(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cfg := defaultLadder(800, 30)
	cfg.LowFPSBelowKbps = highLowFPSBelowKbps
	l := newLadder(cfg)
	l.update(t0, 500) // limited, the target at 500
	if got := l.update(t0.Add(10*time.Second), 700); got.Kbps <= 500 {
		t.Fatalf("no climb before the cap: %+v", got)
	}
	l.capAt(300)
	if l.cur.Kbps != 300 || l.cur.FPS != cfg.LowFPS || !l.cur.Limited {
		t.Fatalf("capped: %+v, want 300 kbps at %d fps, limited", l.cur, cfg.LowFPS)
	}
	got := l.update(t0.Add(11*time.Second), 700)
	if got.Kbps < 300 || got.Kbps > 300+cfg.UpKbpsPerSecond {
		t.Fatalf("a second after the cap: %d kbps, want 300…%d (additive)", got.Kbps, 300+cfg.UpKbpsPerSecond)
	}
	l.capAt(400) // above the target: no change
	if l.cur.Kbps != got.Kbps {
		t.Fatalf("a cap above the target moved it to %d", l.cur.Kbps)
	}
}
