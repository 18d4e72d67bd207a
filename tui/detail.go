package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// detailHeight is the number of lines of the detail pane.
const detailHeight = 10

// sparkWindow is how much history the sparklines show.
const sparkWindow = time.Minute

// series is one sparkline of the detail pane: a label, how to read a
// sample, the unit and format of its figures and the floor of its scale.
type series struct {
	label  string
	value  func(store.Sample) float64
	format string // of one figure, e.g. "%.0f"
	unit   string
	floor  float64
}

// detailSeries are the detail pane's sparklines, in display order.
var detailSeries = []series{
	{"RTT", func(s store.Sample) float64 { return s.RTTMillis }, "%.0f", "ms", 50},
	{"jitter", func(s store.Sample) float64 { return s.JitterMillis }, "%.0f", "ms", 30},
	{"loss", func(s store.Sample) float64 { return s.LossPct }, "%.1f", "%", 5},
	{"recv", func(s store.Sample) float64 { return s.RecvKbps }, "%.0f", "kbps", 100},
	{"fps", func(s store.Sample) float64 { return s.FramesPerSecond }, "%.0f", "fps", 30},
}

// detailLines renders the selected peer: who, for how long and how well,
// the verification code, sparklines of the last minute with their ranges,
// the route, the codecs, the last error and recovery.
func (m Model) detailLines(w int) []string {
	c, ok := m.state.Connections[m.selected]
	if !ok {
		return nil
	}
	lines := make([]string, 0, detailHeight)

	head := " " + styleBold.Render(peerName(c)) + " · " + statusStyle(c.Status).Render(string(c.Status))
	if c.Status == store.StatusConnected && !c.ConnectedAt.IsZero() {
		head += " for " + fmtSince(c.ConnectedAt, m.now)
	}
	if q := m.peerQuality(c); q != ungraded {
		head += " · " + gradeStyle(q).Render(qualityMark(q)+" "+qualityWord(q))
	}
	if v := m.volume(c.PeerID); v == 0 {
		head += " · " + styleWarn.Render("muted here")
	} else if v != 1 {
		head += fmt.Sprintf(" · volume %.0f %%", v*100)
	}
	verify := styleDim.Render("verify ") + styleDim.Render("no key yet")
	if c.Fingerprint != "" {
		verify = styleDim.Render("verify ") + styleBold.Render(VerificationCode(c.LocalFingerprint, c.Fingerprint))
		if c.LocalFingerprint == "" {
			verify += styleDim.Render(" (their key only)")
		}
		verify += styleDim.Render(" · read it aloud with them")
	}
	lines = append(lines, clip(head, w), clip(" "+verify, w))

	recent, span := recentHistory(c.History, m.now)
	g := m.grades[c.PeerID]
	colours := map[string]paint{"RTT": gradeStyle(g.rtt), "jitter": gradeStyle(g.jitter), "loss": gradeStyle(g.loss)}
	for _, sr := range detailSeries {
		lines = append(lines, sparkLine(sr, recent, span, colours[sr.label], w))
	}
	lines = append(lines,
		clip(" "+styleDim.Render("route  ")+routeText(c.Stats.Route), w),
		clip(" "+styleDim.Render("media  ")+codecText(c.Stats), w),
		clip(" "+m.problemText(c), w),
	)
	return lines
}

// recentHistory returns the samples of the last minute and the time they
// span.
func recentHistory(h []store.Sample, now time.Time) ([]store.Sample, time.Duration) {
	from := now.Add(-sparkWindow)
	i := 0
	for i < len(h) && h[i].At.Before(from) {
		i++
	}
	recent := h[i:]
	if len(recent) == 0 {
		return nil, 0
	}
	return recent, recent[len(recent)-1].At.Sub(recent[0].At)
}

// Widths of a sparkline's parts: the label before it, the latest figure
// and the range after it.
const (
	sparkLabelW = 7
	sparkValueW = 10
	sparkRangeW = 20
)

// sparkLine renders one series: label, bars, the latest figure, and the
// lowest and highest figures over the time the bars span.
func sparkLine(sr series, h []store.Sample, span time.Duration, colour paint, w int) string {
	values := make([]float64, len(h))
	for i, s := range h {
		values[i] = sr.value(s)
	}
	sparkW := min(max(w-1-sparkLabelW-2-sparkValueW-sparkRangeW, 8), store.HistoryLen)
	bars := sparkline(values, sparkW, sr.floor)
	var value, extent string
	if len(values) == 0 {
		return clip(" "+styleDim.Render(fit(sr.label, sparkLabelW)+noValue), w)
	} else {
		lo, hi := values[0], values[0]
		for _, v := range values {
			lo, hi = min(lo, v), max(hi, v)
		}
		f := func(v float64) string { return fmt.Sprintf(sr.format, v) }
		value = f(values[len(values)-1]) + " " + sr.unit
		extent = f(lo) + "–" + f(hi) + " over " + fmtSpan(span)
	}
	line := " " + styleDim.Render(fit(sr.label, sparkLabelW)) + colour.Render(bars) +
		spaces(sparkW-ansi.StringWidth(bars)) + "  " + fit(value, sparkValueW) + styleDim.Render(extent)
	return clip(line, w)
}

// fmtSpan says how long a sparkline covers: "45 s", "1 min".
func fmtSpan(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

// routeText spells out the nominated candidate pair.
func routeText(r store.Route) string {
	if r.LocalType == "" && r.RemoteType == "" {
		return noValue
	}
	end := func(typ, addr string) string {
		return strings.TrimSpace(Sanitize(typ, MaxLabelCells) + " " + Sanitize(addr, 64))
	}
	proto := Sanitize(r.Protocol, MaxLabelCells)
	if proto != "" {
		proto = " " + proto
	}
	return "local " + end(r.LocalType, r.LocalAddr) + " ↔ remote " + end(r.RemoteType, r.RemoteAddr) + proto
}

// codecText names the codecs with the received video size and rate.
func codecText(st store.Stats) string {
	var parts []string
	if v := Sanitize(st.VideoCodec, MaxLabelCells); v != "" {
		if res := fmtResolution(st.Width, st.Height); res != "" {
			v += fmt.Sprintf(" %s @ %.0f fps", res, st.FramesPerSecond)
		}
		parts = append(parts, v)
	}
	if a := Sanitize(st.AudioCodec, MaxLabelCells); a != "" {
		parts = append(parts, a)
	}
	if send := sendText(st); send != "" {
		parts = append(parts, send)
	}
	if len(parts) == 0 {
		return noValue
	}
	return strings.Join(parts, " · ")
}

// sendText says how our sending to the peer adapts: the encoder's target
// against the link's estimate, why it is held back, and which of two
// layers the peer gets (none is named with one shared encoding).
func sendText(st store.Stats) string {
	layer := ""
	if st.SendLayer == "high" || st.SendLayer == "low" {
		layer = st.SendLayer + " layer: "
	}
	switch {
	case st.AvailableSendKbps <= 0:
		return ""
	case st.VideoPaused:
		return fmt.Sprintf("our video paused: %.0f kbps available", st.AvailableSendKbps)
	case st.LimitedBy != "":
		return fmt.Sprintf("%ssending %.0f of %.0f kbps (limited by %s)", layer, st.SendTargetKbps, st.AvailableSendKbps, Sanitize(st.LimitedBy, 16))
	}
	return fmt.Sprintf("%slink takes %.0f kbps", layer, st.AvailableSendKbps)
}

// problemText gives the peer's last error and its recovery progress.
func (m Model) problemText(c store.Connection) string {
	var parts []string
	if c.Error != "" {
		parts = append(parts, styleBad.Render("error: "+errText(c.Error)))
	}
	if r := c.Recovery; r.Attempt > 0 {
		text := fmt.Sprintf("recovery: attempt %d", r.Attempt)
		if r.MaxAttempts > 0 {
			text += fmt.Sprintf("/%d", r.MaxAttempts)
		}
		if wait, ok := secondsUntil(r.NextAt, m.now); ok {
			text += fmt.Sprintf(", next in %d s", wait)
		}
		parts = append(parts, styleWarn.Render(text))
	}
	if len(parts) == 0 {
		return styleDim.Render("no errors")
	}
	return strings.Join(parts, " · ")
}
