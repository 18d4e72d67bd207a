package tui

import (
	"fmt"
	"strings"

	"github.com/rtcterm/rtcterm/store"
)

// headerLines renders the title bar (room, name, signaling, peer counts)
// and the local media line (mic, camera, screen, source, audio output).
func (m Model) headerLines(w int) []string {
	s := m.state
	sig := s.Signaling
	title := []string{"rtcterm"}
	if sig.Room != "" {
		title = append(title, "room "+Sanitize(sig.Room, MaxNameCells))
	}
	if sig.UserName != "" {
		title = append(title, "you "+Sanitize(sig.UserName, MaxNameCells))
	}
	title = append(title, "signaling "+signalingText(sig, m.joined))
	if s.SFU != "" {
		title = append(title, "via "+Sanitize(s.SFU, MaxNameCells))
	}
	if n := store.SelectConnectionCount(s); n == 0 {
		title = append(title, "waiting for others")
	} else {
		title = append(title, fmt.Sprintf("%d/%d connected", store.SelectConnectedCount(s), n))
	}
	if b := chatBadge(s.ChatUnread); b != "" {
		title = append(title, b)
	}
	line1 := styleTitle.Render(fit(" "+strings.Join(title, " · "), w))

	mic := mediaBadge("MIC", s.AudioEnabled, "MUTED", m.busy&opAudio != 0)
	if l := s.LocalStream; l != nil && len(l.Tracks) > 0 && s.AudioEnabled {
		if _, has := l.Track("audio"); !has {
			mic = styleMuted.Render(" MIC none ") // gone mid-call: receiving only until it is back
		}
	}
	parts := []string{
		mic,
		mediaBadge("CAM", s.VideoEnabled, "OFF", m.busy&opVideo != 0),
		screenBadge(s.ScreenSharing, m.busy&opScreen != 0),
	}
	if l := s.LocalStream; l != nil && l.EchoCancel {
		parts = append(parts, styleOn.Render("AEC on"))
	}
	if s.LowBandwidth {
		parts = append(parts, styleWarn.Render("LOW BANDWIDTH"))
	}
	parts = append(parts, "source "+sourceText(s.LocalStream), audioOutText(s.AudioOutput))
	line2 := clip(" "+strings.Join(parts, "  "), w)
	return []string{line1, line2}
}

// signalingText describes the signaling connection, with the attempt
// number while reconnecting; before the first join it is still
// connecting, whatever the client calls its retries.
func signalingText(sig store.Signaling, joined bool) string {
	switch sig.Status {
	case store.SignalingIdle:
		return "not connected"
	case store.SignalingReconnecting:
		what := "reconnecting"
		if !joined {
			what = "connecting"
		}
		if sig.Attempt > 0 {
			return fmt.Sprintf("%s (attempt %d)", what, sig.Attempt)
		}
		return what
	}
	return string(sig.Status)
}

// mediaBadge shows a local device's state; the off state is white on red,
// so a muted microphone cannot be missed. A trailing "…" says a change is
// under way.
func mediaBadge(name string, on bool, off string, changing bool) string {
	more := ""
	if changing {
		more = "…"
	}
	if on {
		return styleOn.Render(name+" on") + more
	}
	return styleMuted.Render(" "+name+" "+off+" ") + more
}

func screenBadge(sharing, changing bool) string {
	switch {
	case changing:
		return styleWarn.Render("SCREEN …")
	case sharing:
		return styleOn.Render("SCREEN shared")
	}
	return styleDim.Render("SCREEN off")
}

// sourceText names the local media: the device labels, or "synthetic"
// when every track is generated.
func sourceText(l *store.LocalStream) string {
	switch {
	case l == nil || len(l.Tracks) == 0:
		return "none yet"
	case l.Synthetic():
		return "synthetic"
	}
	var labels []string
	for _, t := range l.Tracks {
		label := Sanitize(t.Label, MaxLabelCells)
		if t.Synthetic {
			label += " (synthetic)"
		}
		if label != "" {
			labels = append(labels, label)
		}
	}
	return strings.Join(labels, " + ")
}

// audioOutText says whether remote audio is played: the reason it is not
// is in the notice and the help panel, not in the header.
func audioOutText(reason string) string {
	if reason == "" {
		return "audio: on"
	}
	return styleWarn.Render("audio: none")
}
