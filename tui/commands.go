package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// The commands in this file are the only code that calls the Engine. Each
// captures what it needs when it is built and reports with a message.

// result reports the end of an engine operation started by a key: which
// operation finished, the action to apply (nil when the engine's own events
// will tell) and a notice to show.
type result struct {
	op     ops
	action store.Action
	notice notice
}

// left reports that Engine.Leave returned.
type left struct{ err error }

func setAudioCmd(e Engine, enabled bool) tea.Cmd {
	return func() tea.Msg {
		if err := e.SetAudio(enabled); err != nil {
			return result{op: opAudio, action: store.SetConnectionError{Error: "microphone: " + err.Error()}}
		}
		return result{op: opAudio, action: store.ToggleAudio{Enabled: enabled}}
	}
}

func setVideoCmd(e Engine, enabled bool) tea.Cmd {
	return func() tea.Msg {
		if err := e.SetVideo(enabled); err != nil {
			return result{op: opVideo, action: store.SetConnectionError{Error: "camera: " + err.Error()}}
		}
		return result{op: opVideo, action: store.ToggleVideo{Enabled: enabled}}
	}
}

func setScreenShareCmd(e Engine, enabled bool) tea.Cmd {
	return func() tea.Msg {
		err := e.SetScreenShare(enabled)
		switch {
		case enabled && err != nil:
			return result{op: opScreen, action: store.StartScreenShareRejected{Error: err.Error()}}
		case enabled:
			return result{op: opScreen, action: store.StartScreenShareFulfilled{}}
		case err != nil:
			return result{op: opScreen, action: store.StopScreenShareRejected{Error: err.Error()}}
		default:
			return result{op: opScreen, action: store.StopScreenShareFulfilled{}}
		}
	}
}

// retryCmd restarts a peer's connection, or signaling when peerID is "";
// name is what the notice calls it.
func retryCmd(e Engine, peerID, name string) tea.Cmd {
	return func() tea.Msg {
		if err := e.Retry(peerID); err != nil {
			return result{op: opRetry, action: store.SetConnectionError{PeerID: peerID, Error: "retry: " + err.Error()}}
		}
		return result{op: opRetry, notice: notice{level: levelInfo, text: "retrying " + name + "…"}}
	}
}

// collectStatsCmd measures one peer for the given incarnation of its
// connection; the reducer drops the result if the epoch moved on.
func collectStatsCmd(e Engine, peerID string, epoch uint64, timeout time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		st, err := e.CollectStats(ctx, peerID)
		if err != nil {
			return store.CollectConnectionStatsRejected{PeerID: peerID, Epoch: epoch, Error: err.Error()}
		}
		return store.CollectConnectionStatsFulfilled{PeerID: peerID, Epoch: epoch, Stats: st, At: now()}
	}
}

func leaveCmd(e Engine) tea.Cmd {
	return func() tea.Msg { return left{err: e.Leave()} }
}
