package tui

import (
	"github.com/rtcterm/rtcterm/store"
)

// speakingLevel is the received audio level above which a peer counts as
// speaking.
const speakingLevel = 0.1

// speakingIndicator is one cell showing a peer's audio level: a bar that
// lights up while the peer speaks, blank while it is silent.
func speakingIndicator(c store.Connection) string {
	lvl := c.Stats.AudioLevel
	if c.Status != store.StatusConnected || lvl <= 0.01 || (c.Media.Known && !c.Media.Audio) {
		return " "
	}
	i := int(lvl*float64(len(sparkLevels)-1) + 0.5)
	bar := string(sparkLevels[min(max(i, 0), len(sparkLevels)-1)])
	if lvl >= speakingLevel {
		return styleSpeaking.Render(bar)
	}
	return styleDim.Render(bar)
}

// mediaCell shows what the peer says it sends: M microphone (x when
// muted), C camera, S screen; "-" for off, blank until the peer has said.
func mediaCell(_ Model, c store.Connection) (string, paint) {
	if !c.Media.Known {
		return "", plain
	}
	mic := styleGood.Render("M")
	if !c.Media.Audio {
		mic = styleBadBold.Render("x")
	}
	cam := styleDim.Render("-")
	if c.Media.Video {
		cam = "C"
	}
	scr := styleDim.Render("-")
	if c.Media.Screen {
		scr = "S"
	}
	return mic + " " + cam + " " + scr, plain
}

func statusCell(_ Model, c store.Connection) (string, paint) {
	return string(c.Status), statusStyle(c.Status)
}

// measured reports whether a peer has any stats sample yet.
func measured(c store.Connection) bool { return len(c.History) > 0 }

func rttCell(m Model, c store.Connection) (string, paint) {
	if !measured(c) {
		return noValue, styleDim
	}
	return fmtInt(c.Stats.RTTMillis), gradeStyle(m.grades[c.PeerID].rtt)
}

func recvCell(_ Model, c store.Connection) (string, paint) {
	if !measured(c) {
		return noValue, styleDim
	}
	return fmtInt(c.Stats.RecvKbps), plain
}

func sendCell(_ Model, c store.Connection) (string, paint) {
	if !measured(c) {
		return noValue, styleDim
	}
	return fmtInt(c.Stats.SendKbps), plain
}

func lossCell(m Model, c store.Connection) (string, paint) {
	if !measured(c) {
		return noValue, styleDim
	}
	return fmtPct(c.Stats.LossPct), gradeStyle(m.grades[c.PeerID].loss)
}

func jitterCell(m Model, c store.Connection) (string, paint) {
	if !measured(c) {
		return noValue, styleDim
	}
	return fmtInt(c.Stats.JitterMillis), gradeStyle(m.grades[c.PeerID].jitter)
}

func fpsCell(_ Model, c store.Connection) (string, paint) {
	if !measured(c) || c.Stats.Width == 0 {
		return noValue, styleDim
	}
	return fmtInt(c.Stats.FramesPerSecond), plain
}

func resCell(_ Model, c store.Connection) (string, paint) {
	if r := fmtResolution(c.Stats.Width, c.Stats.Height); r != "" {
		return r, plain
	}
	return noValue, styleDim
}

func routeCell(_ Model, c store.Connection) (string, paint) {
	if r := Sanitize(c.Stats.Route.String(), MaxLabelCells); r != "" {
		if c.Stats.Route.LocalType == "relay" || c.Stats.Route.RemoteType == "relay" {
			return r, styleWarn
		}
		return r, plain
	}
	return noValue, styleDim
}

func upCell(m Model, c store.Connection) (string, paint) {
	if c.Status != store.StatusConnected {
		return noValue, styleDim
	}
	return fmtSince(c.ConnectedAt, m.now), plain
}

// qualityCell is the peer's quality mark, coloured as well as shaped.
func qualityCell(m Model, c store.Connection) (string, paint) {
	g := m.peerQuality(c)
	if g == ungraded {
		return noValue, styleDim
	}
	return qualityMark(g), gradeStyle(g)
}
