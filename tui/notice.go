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

// notice is the one-line notification under the table. A recovery notice
// is rendered from the peer's current Recovery, so its countdown runs.
type notice struct {
	level    level
	text     string
	peerID   string // the peer a recovery notice follows
	recovery bool
}

// noticeFor says what, if anything, the notification line should show
// after an action moved the state from prev to next.
func noticeFor(prev, next store.State, a store.Action) (notice, bool) {
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
			return notice{level: levelError, text: peerName(after) + ": connection failed" + errSuffix(after.Error)}, true
		case store.StatusDisconnected:
			return notice{level: levelWarn, text: peerName(after) + ": connection lost, waiting for it to come back"}, true
		case store.StatusConnected:
			if before.Status != store.StatusConnecting || before.Recovery.Attempt > 0 {
				return notice{level: levelInfo, text: peerName(after) + ": reconnected"}, true
			}
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
			return notice{level: levelError, text: Sanitize(a.Error, MaxErrorCells)}, true
		}
		return notice{level: levelError, text: peerName(next.Connections[a.PeerID]) + ": " + Sanitize(a.Error, MaxErrorCells)}, true
	case store.InitializeMediaRejected:
		return notice{level: levelError, text: "media: " + Sanitize(a.Error, MaxErrorCells)}, true
	case store.StartScreenShareRejected:
		return notice{level: levelError, text: "screen share: " + Sanitize(a.Error, MaxErrorCells)}, true
	case store.StopScreenShareRejected:
		return notice{level: levelError, text: "stopping screen share: " + Sanitize(a.Error, MaxErrorCells)}, true
	case store.UpdateSignaling:
		was, is := prev.Signaling, next.Signaling
		switch {
		case is.Status == store.SignalingReconnecting:
			return notice{level: levelWarn, text: fmt.Sprintf("signaling lost — reconnecting (attempt %d)%s", is.Attempt, errSuffix(is.Error))}, true
		case is.Status == store.SignalingConnected && was.Status == store.SignalingReconnecting:
			return notice{level: levelInfo, text: "signaling reconnected"}, true
		case is.Status == store.SignalingClosed && was.Status != store.SignalingClosed:
			return notice{level: levelError, text: "signaling closed" + errSuffix(is.Error) + " — r to reconnect"}, true
		}
	case store.SetAudioOutput:
		if a.Reason != "" {
			return notice{level: levelWarn, text: "no audio playback: " + Sanitize(a.Reason, MaxErrorCells)}, true
		}
	}
	return notice{}, false
}

// render gives the notice's text as of now.
func (n notice) render(s store.State, now time.Time) string {
	if !n.recovery {
		return n.text
	}
	c, ok := s.Connections[n.peerID]
	if !ok {
		return ""
	}
	r := c.Recovery
	if r.Attempt == 0 {
		if c.Status == store.StatusConnected {
			return peerName(c) + ": reconnected"
		}
		return ""
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
	return fmt.Sprintf("%s: %s — %s (%s)", peerName(c), what, when, attempt)
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

// errSuffix appends a sanitized error to a message, if there is one.
func errSuffix(err string) string {
	if err == "" {
		return ""
	}
	return ": " + Sanitize(err, MaxErrorCells)
}
