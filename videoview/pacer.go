package videoview

import "time"

// pacer limits how often a tile is drawn: at most one frame per interval
// on average. Frames may arrive up to a quarter interval early (network
// jitter) and still be drawn, so a source at exactly the limit is not
// halved by its jitter.
type pacer struct {
	due time.Time // when the next frame is due; zero before the first
}

// allow reports whether a frame arriving at now is drawn, and if so
// schedules the next one.
func (p *pacer) allow(now time.Time, interval time.Duration) bool {
	slack := interval / 4
	if !p.due.IsZero() && now.Before(p.due.Add(-slack)) {
		return false
	}
	base := p.due
	if early := now.Add(-slack); early.After(base) {
		base = early
	}
	p.due = base.Add(interval)
	return true
}
