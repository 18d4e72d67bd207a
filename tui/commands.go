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
// operation finished and, when it failed, why (what names the operation
// for the notice). A command never writes the call's state: what the
// engine changed arrives as the engine's own actions (rtc emits ToggleAudio
// and the like), so the UI and a headless run record it the same way.
type result struct {
	op     ops
	what   string
	err    error
	notice notice // shown on success, e.g. "retrying …"
}

// left reports that Engine.Leave returned.
type left struct{ err error }

func setAudioCmd(e Engine, enabled bool) tea.Cmd {
	return func() tea.Msg { return result{op: opAudio, what: "microphone", err: e.SetAudio(enabled)} }
}

func setVideoCmd(e Engine, enabled bool) tea.Cmd {
	return func() tea.Msg { return result{op: opVideo, what: "camera", err: e.SetVideo(enabled)} }
}

func setScreenShareCmd(e Engine, enabled bool) tea.Cmd {
	what := "screen share"
	if !enabled {
		what = "stopping screen share"
	}
	return func() tea.Msg { return result{op: opScreen, what: what, err: e.SetScreenShare(enabled)} }
}

// setLowBandwidthCmd turns the low-bandwidth mode on or off.
func setLowBandwidthCmd(e LowBandwidthEngine, on bool) tea.Cmd {
	return func() tea.Msg { return result{what: "low-bandwidth mode", err: e.SetLowBandwidth(on)} }
}

// retryCmd restarts a peer's connection, or signaling when peerID is "";
// name is what the notice calls it.
func retryCmd(e Engine, peerID, name string) tea.Cmd {
	return func() tea.Msg {
		if err := e.Retry(peerID); err != nil {
			return result{op: opRetry, what: "retry " + name, err: err}
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

// sendChatCmd sends one chat line; a failure shows as a notice.
func sendChatCmd(e Engine, text string) tea.Cmd {
	return func() tea.Msg { return result{what: "chat line not sent", err: e.SendChat(text)} }
}
