package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// detailHeight is the number of lines of the detail pane.
const detailHeight = 7

// sparkWindow is how much history the sparklines show.
const sparkWindow = time.Minute

// detailLines renders the selected peer: who and for how long, the
// verification code, sparklines of RTT, receive bitrate and loss over the
// last minute, the route, the codecs, the last error and recovery.
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
	if c.Fingerprint != "" {
		head += " · verify " + styleBold.Render(VerificationCode(c.LocalFingerprint, c.Fingerprint))
		if c.LocalFingerprint == "" {
			head += styleDim.Render(" (their key only)")
		}
	} else {
		head += styleDim.Render(" · verify: no key yet")
	}
	lines = append(lines, clip(head, w))

	rtt, recv, loss := recentHistory(c.History, m.now)
	const labelW, valueW = 6, 12
	sparkW := min(max(w-labelW-valueW-2, 0), store.HistoryLen)
	g := m.grades[c.PeerID]
	lines = append(lines,
		sparkLine("RTT", sparkline(rtt, sparkW, 50), valueOr(rtt, "%.0f ms"), gradeStyle(g.rtt), w),
		sparkLine("recv", sparkline(recv, sparkW, 100), valueOr(recv, "%.0f kbps"), plain, w),
		sparkLine("loss", sparkline(loss, sparkW, 5), valueOr(loss, "%.1f %%"), gradeStyle(g.loss), w),
		clip(" "+styleDim.Render("route ")+routeText(c.Stats.Route), w),
		clip(" "+styleDim.Render("media ")+codecText(c.Stats), w),
		clip(" "+m.problemText(c), w),
	)
	return lines
}

// recentHistory splits the last minute of samples into series.
func recentHistory(h []store.Sample, now time.Time) (rtt, recv, loss []float64) {
	from := now.Add(-sparkWindow)
	for _, s := range h {
		if s.At.Before(from) {
			continue
		}
		rtt = append(rtt, s.RTTMillis)
		recv = append(recv, s.RecvKbps)
		loss = append(loss, s.LossPct)
	}
	return rtt, recv, loss
}

func sparkLine(label, spark, value string, colour paint, w int) string {
	return clip(" "+styleDim.Render(fit(label, 5))+colour.Render(spark)+"  "+value, w)
}

// valueOr formats the latest value of a series, "-" when it is empty.
func valueOr(series []float64, format string) string {
	if len(series) == 0 {
		return noValue
	}
	return fmt.Sprintf(format, series[len(series)-1])
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
	if len(parts) == 0 {
		return noValue
	}
	return strings.Join(parts, " · ")
}

// problemText gives the peer's last error and its recovery progress.
func (m Model) problemText(c store.Connection) string {
	var parts []string
	if c.Error != "" {
		parts = append(parts, styleBad.Render("error: "+Sanitize(c.Error, MaxErrorCells)))
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
