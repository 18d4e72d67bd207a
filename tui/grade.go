package tui

import (
	"maps"

	"github.com/rtcterm/rtcterm/store"
)

// grade is the quality of one measurement, as a colour.
type grade uint8

const (
	ungraded grade = iota // no measurement yet
	good
	warn
	bad
)

// threshold says where a metric turns from good to warn and from warn to
// bad; the figures are near Google Meet's published ideals.
type threshold struct{ good, bad float64 }

var (
	rttThreshold    = threshold{good: 150, bad: 400} // milliseconds
	lossThreshold   = threshold{good: 3, bad: 10}    // percent
	jitterThreshold = threshold{good: 30, bad: 100}  // milliseconds
)

// hysteresis is how far past a threshold, as a fraction of it, a value must
// go before the grade changes, so a value hovering at a threshold does not
// make its cell flicker between two colours.
const hysteresis = 0.1

// next grades v given the grade it had before.
func (t threshold) next(prev grade, v float64) grade {
	up := 1 + hysteresis   // a worse grade needs v this far above a threshold
	down := 1 - hysteresis // a better grade needs v this far below it
	switch prev {
	case good:
		if v > t.bad*up {
			return bad
		}
		if v >= t.good*up {
			return warn
		}
		return good
	case warn:
		if v > t.bad*up {
			return bad
		}
		if v < t.good*down {
			return good
		}
		return warn
	case bad:
		if v < t.good*down {
			return good
		}
		if v <= t.bad*down {
			return warn
		}
		return bad
	}
	switch {
	case v < t.good:
		return good
	case v > t.bad:
		return bad
	}
	return warn
}

// peerGrades holds the last grade of each graded metric of one peer.
type peerGrades struct{ rtt, loss, jitter grade }

// regrade grades a peer's latest stats against its previous grades. The
// grades map is copied before it changes, so earlier models keep theirs.
func (m Model) regrade(peerID string) Model {
	c, ok := m.state.Connections[peerID]
	if !ok {
		return m
	}
	g := m.grades[peerID]
	g = peerGrades{
		rtt:    rttThreshold.next(g.rtt, c.Stats.RTTMillis),
		loss:   lossThreshold.next(g.loss, c.Stats.LossPct),
		jitter: jitterThreshold.next(g.jitter, c.Stats.JitterMillis),
	}
	grades := make(map[string]peerGrades, len(m.grades)+1)
	maps.Copy(grades, m.grades)
	grades[peerID] = g
	m.grades = grades
	return m
}

// forgetGrades drops the grades of a peer that left.
func (m Model) forgetGrades(peerID string) Model {
	m.grades = without(m.grades, peerID)
	return m
}

// without returns m without key k, copying only when k is there: the
// model's maps are shared between successive models and never modified.
func without[V any](m map[string]V, k string) map[string]V {
	if _, ok := m[k]; !ok {
		return m
	}
	out := maps.Clone(m)
	delete(out, k)
	return out
}

// quality is a peer's overall grade: the worst of its RTT, loss and
// jitter grades, so one mark answers "is this call all right?".
func (g peerGrades) quality() grade { return max(g.rtt, g.loss, g.jitter) }

// qualityMark shows a grade without relying on colour, for NO_COLOR and
// colour-blind users: the more filled dots, the better.
func qualityMark(g grade) string {
	switch g {
	case good:
		return "●●●"
	case warn:
		return "●●○"
	case bad:
		return "●○○"
	}
	return noValue
}

// qualityWord names a grade, for the detail pane and the help panel.
func qualityWord(g grade) string {
	switch g {
	case good:
		return "good"
	case warn:
		return "fair"
	case bad:
		return "poor"
	}
	return "not measured"
}

// peerQuality is the grade a peer's quality mark shows: ungraded unless it
// is connected and measured, so a failed peer's last figures do not pass
// for its present.
func (m Model) peerQuality(c store.Connection) grade {
	if c.Status != store.StatusConnected || !measured(c) {
		return ungraded
	}
	return m.grades[c.PeerID].quality()
}
