package tui

import (
	"fmt"
	"math"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// level is how loudly a notice is shown.
type level uint8

const (
	levelInfo level = iota
	levelWarn
	levelError
)

// noticeFade is how long an information notice stays on screen; warnings
// and errors stay until dismissed or replaced.
const noticeFade = 5 * time.Second

// notice is the one-line notification under the table. A recovery notice
// is rendered from the peer's current Recovery, so its countdown runs.
type notice struct {
	level    level
	text     string    // what happened, sanitized
	err      string    // why, from displayError; shown after text
	at       time.Time // when it was raised, for fading
	sticky   bool      // an information notice that does not fade
	peerID   string    // the peer a recovery notice follows
	recovery bool
}

// visible reports whether the notice is still shown at now.
func (n notice) visible(now time.Time) bool {
	if n.text == "" && n.err == "" && !n.recovery {
		return false
	}
	return n.level != levelInfo || n.sticky || now.Sub(n.at) < noticeFade
}

// noticeFor says what, if anything, the notification line should show
// after an action moved the state from prev to next; joined says whether
// signaling had ever been connected before the action.
func noticeFor(prev, next store.State, a store.Action, joined bool) (notice, bool) {
	switch a := a.(type) {
	case store.AddPeerConnection:
		c := next.Connections[a.PeerID]
		return notice{level: levelInfo, text: peerName(c) + " joined"}, true
	case store.RemovePeerConnection:
		c := prev.Connections[a.PeerID]
		return notice{level: levelInfo, text: peerName(c) + " left"}, true
	case store.UpdateConnectionStatus:
		before, after := prev.Connections[a.PeerID], next.Connections[a.PeerID]
		if before.Status == after.Status {
			return notice{}, false
		}
		switch after.Status {
		case store.StatusFailed:
			return notice{level: levelError, text: peerName(after) + ": connection failed", err: errText(after.Error)}, true
		case store.StatusDisconnected:
			return notice{level: levelWarn, text: peerName(after) + ": connection lost, waiting for it to come back"}, true
		case store.StatusConnected:
			if before.Status != store.StatusConnecting || before.Recovery.Attempt > 0 {
				return notice{level: levelInfo, text: peerName(after) + ": reconnected"}, true
			}
		}
	case store.UpdateRemoteMedia:
		before, after := prev.Connections[a.PeerID].Media, next.Connections[a.PeerID].Media
		c := next.Connections[a.PeerID]
		switch {
		case !before.VideoPaused && after.VideoPaused:
			return notice{level: levelWarn, text: peerName(c) + "'s video paused (their link)"}, true
		case before.VideoPaused && !after.VideoPaused && after.Video:
			return notice{level: levelInfo, text: peerName(c) + "'s video resumed"}, true
		}
	case store.CollectConnectionStatsFulfilled:
		before, after := prev.Connections[a.PeerID].Stats, next.Connections[a.PeerID].Stats
		c := next.Connections[a.PeerID]
		switch {
		case !before.VideoPaused && after.VideoPaused:
			return notice{level: levelWarn, text: fmt.Sprintf("video to %s paused: %.0f kbps available", peerName(c), after.AvailableSendKbps)}, true
		case before.VideoPaused && !after.VideoPaused:
			return notice{level: levelInfo, text: "video to " + peerName(c) + " resumed"}, true
		}
	case store.UpdateRecovery:
		if a.Recovery.Attempt > 0 {
			return notice{level: levelWarn, peerID: a.PeerID, recovery: true}, true
		}
	case store.SetConnectionError:
		if a.Error == "" {
			return notice{}, false
		}
		if a.PeerID == "" {
			return notice{level: levelError, err: errText(a.Error)}, true
		}
		return notice{level: levelError, text: peerName(next.Connections[a.PeerID]), err: errText(a.Error)}, true
	case store.InitializeMediaRejected:
		return notice{level: levelError, text: "media", err: errText(a.Error)}, true
	case store.StartScreenShareRejected:
		return notice{level: levelError, text: "screen share", err: errText(a.Error)}, true
	case store.StopScreenShareRejected:
		return notice{level: levelError, text: "stopping screen share", err: errText(a.Error)}, true
	case store.UpdateSignaling:
		return signalingNotice(prev.Signaling, next.Signaling, joined)
	case store.ServerNotice:
		lvl := levelInfo
		switch a.Level {
		case "warn":
			lvl = levelWarn
		case "error":
			lvl = levelError
		}
		return notice{level: lvl, text: "server: " + Sanitize(a.Message, maxNoticeCells)}, true
	case store.SwitchedToSFU:
		return notice{level: levelInfo, sticky: true, text: fmt.Sprintf("moved to %s: %s", Sanitize(a.SFU, MaxNameCells), people(a.People))}, true
	case store.SetAudioOutput:
		if a.Reason != "" {
			// The reason says itself what is off: "audio output off: …".
			return notice{level: levelWarn, err: errText(a.Reason)}, true
		}
		if prev.AudioOutput != "" {
			return notice{level: levelInfo, text: "playing remote audio again"}, true
		}
	case store.InitializeLocalStream:
		return localStreamNotice(prev.LocalStream, next.LocalStream)
	}
	return notice{}, false
}

// maxNoticeCells bounds a server's notice on screen (the protocol allows
// 300 characters).
const maxNoticeCells = 300

// people counts people in English.
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

// signalingNotice words a change of the signaling connection. Before the
// first join a failure is "cannot reach", not "lost": nothing was lost.
func signalingNotice(was, is store.Signaling, joined bool) (notice, bool) {
	switch {
	case is.Status == store.SignalingReconnecting && joined:
		return notice{level: levelWarn, text: fmt.Sprintf("signaling lost — reconnecting (attempt %d)", is.Attempt), err: errText(is.Error)}, true
	case is.Status == store.SignalingReconnecting:
		return notice{level: levelWarn, text: fmt.Sprintf("cannot reach the signaling server — retrying (attempt %d)", is.Attempt), err: errText(is.Error)}, true
	case is.Status == store.SignalingConnected && was.Status == store.SignalingReconnecting && joined:
		return notice{level: levelInfo, text: "signaling reconnected"}, true
	case is.Status == store.SignalingConnected && was.Status == store.SignalingReconnecting:
		return notice{level: levelInfo, text: "signaling connected"}, true
	case is.Status == store.SignalingClosed && was.Status != store.SignalingClosed:
		return notice{level: levelError, text: "signaling closed (r to reconnect)", err: errText(is.Error)}, true
	}
	return notice{}, false
}

// render gives the notice's text as of now: what happened, then why.
func (n notice) render(s store.State, now time.Time) string {
	head, err := n.parts(s, now)
	return joinErr(head, err)
}

// joinErr joins what happened and why into one sentence.
func joinErr(head, err string) string {
	switch {
	case head == "":
		return err
	case err == "":
		return head
	}
	return head + ": " + err
}

// parts gives what happened and why, as of now; a recovery notice's
// countdown is computed from the peer's current Recovery.
func (n notice) parts(s store.State, now time.Time) (string, string) {
	if !n.recovery {
		return n.text, n.err
	}
	c, ok := s.Connections[n.peerID]
	if !ok {
		return "", ""
	}
	r := c.Recovery
	if r.Attempt == 0 {
		if c.Status == store.StatusConnected {
			return peerName(c) + ": reconnected", ""
		}
		return "", ""
	}
	what := "connection failed"
	if c.Status == store.StatusDisconnected {
		what = "connection lost"
	}
	when := "retrying now"
	if wait, ok := secondsUntil(r.NextAt, now); ok {
		when = fmt.Sprintf("retrying in %d s", wait)
	}
	attempt := fmt.Sprintf("attempt %d", r.Attempt)
	if r.MaxAttempts > 0 {
		attempt = fmt.Sprintf("attempt %d/%d", r.Attempt, r.MaxAttempts)
	}
	return fmt.Sprintf("%s: %s — %s (%s)", peerName(c), what, when, attempt), ""
}

// secondsUntil gives the whole seconds, rounded up, from now until t;
// false when t is unset or past.
func secondsUntil(t, now time.Time) (int, bool) {
	if t.IsZero() || !t.After(now) {
		return 0, false
	}
	return int(math.Ceil(t.Sub(now).Seconds())), true
}

// peerName is a peer's name fit for the screen.
func peerName(c store.Connection) string {
	return sanitizeName(c.UserName, c.PeerID)
}

// errText is displayError for an error that may be absent.
func errText(err string) string {
	if err == "" {
		return ""
	}
	return displayError(err)
}

// localStreamNotice words a change of the local media the engine reported
// by itself: a microphone or camera that is back after it had gone, or a
// different device in use (the engine's error notice has already said
// when one went).
func localStreamNotice(wasP, isP *store.LocalStream) (notice, bool) {
	if wasP == nil || isP == nil {
		return notice{}, false // the media's first report, not a change
	}
	was, is := *wasP, *isP
	for _, kind := range []string{"audio", "video"} {
		before, had := was.Track(kind)
		after, has := is.Track(kind)
		name := Sanitize(after.Label, maxDeviceCells)
		switch {
		case has && !had:
			return notice{level: levelInfo, text: deviceNoun(kind) + " back: " + name}, true
		case has && had && before.DeviceID != after.DeviceID:
			return notice{level: levelInfo, text: deviceNoun(kind) + ": " + name}, true
		}
	}
	return notice{}, false
}
