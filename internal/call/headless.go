package call

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// ErrNeverConnected ends a headless call in which no peer ever connected,
// so scripts can tell a call that never happened from one that ended.
var ErrNeverConnected = errors.New("no peer ever connected")

// callEngine is what the headless runner needs from a running call.
type callEngine interface {
	CollectStats(ctx context.Context, peerID string) (store.Stats, error)
	Close() error
}

// headless runs a call without the terminal UI: status changes as lines on
// out, and with stats set, one JSON object per peer per stats tick.
type headless struct {
	engine   callEngine
	actions  <-chan store.Action
	out      io.Writer // status lines
	stats    io.Writer // JSON lines, nil for none
	interval time.Duration
	duration time.Duration // 0: until ctx ends
	now      func() time.Time
	final    store.State // the state when run returned
}

// statsRow is one line of --stats-json; scripts and monitoring rely on its
// field names, documented in README.md.
type statsRow struct {
	TS       string  `json:"ts"`
	PeerID   string  `json:"peerId"`
	UserName string  `json:"userName"`
	Status   string  `json:"status"`
	RTTMs    float64 `json:"rttMs"`
	RecvKbps float64 `json:"recvKbps"`
	SendKbps float64 `json:"sendKbps"`
	LossPct  float64 `json:"lossPct"`
	JitterMs float64 `json:"jitterMs"`
	FPS      float64 `json:"fps"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Codec    string  `json:"codec"`
	Route    string  `json:"route"`
	// How this side's sending adapts to the link toward the peer.
	AvailableSendKbps float64 `json:"availableSendKbps"` // the congestion controller's estimate
	SendTargetKbps    float64 `json:"sendTargetKbps"`    // what the shared video encoder aims at
	SendLayer         string  `json:"sendLayer"`         // the encoding sent: "high", "low", "paused", or "main" (one shared encoding)
	LimitedBy         string  `json:"limitedBy"`         // "bandwidth" when the link holds the video back, else ""
	VideoPaused       bool    `json:"videoPaused"`       // video held back: audio only
	// Quality is the SFU's connection quality of the participant in
	// LiveKit rooms (excellent, good, poor, lost); absent in a mesh.
	Quality string `json:"quality,omitempty"`
	// Audio, Video and Screen are what the peer says it sends (its
	// media-state); absent until it has said.
	Audio  *bool `json:"audio,omitempty"`
	Video  *bool `json:"video,omitempty"`
	Screen *bool `json:"screen,omitempty"`
}

// runHeadless runs a session with the line-oriented output until it ends:
// status lines on lines, stats JSON rows on stats (nil for none).
func runHeadless(ctx context.Context, sess Engine, o Output, lines, stats io.Writer) error {
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()
	h := &headless{engine: sess, actions: sess.Actions(), out: lines, stats: stats, interval: o.StatsInterval, duration: o.Duration, now: time.Now}
	herr := h.run(ctx)
	if err := <-runErr; err != nil {
		return err
	}
	fmt.Fprint(lines, Summary(h.final, h.now()))
	return herr
}

// run drives the call until ctx ends, the duration passes, or the session
// ends; it returns ErrNeverConnected when no peer ever connected.
func (h *headless) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if h.duration > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, h.duration)
		defer c2()
	}
	state := store.New()
	results := make(chan store.Action, 64)
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	everConnected := false
	inFlight := 0
	closing := false
	actions := h.actions
	done := ctx.Done() // nil once closing, so it is selected only once
	for actions != nil || inFlight > 0 {
		select {
		case <-done:
			done = nil
			closing = true
			go func() { _ = h.engine.Close() }()
		case a, ok := <-actions:
			if !ok {
				actions = nil
				continue
			}
			prev := state
			state = store.Reduce(state, a)
			h.report(prev, state, a)
			if store.SelectConnectedCount(state) > 0 {
				everConnected = true
			}
		case a := <-results:
			inFlight--
			prev := state
			state = store.Reduce(state, a)
			if f, ok := a.(store.CollectConnectionStatsFulfilled); ok && h.stats != nil && !closing && prev.Connections[f.PeerID].Epoch == f.Epoch {
				h.writeStats(state.Connections[f.PeerID], f.At)
			}
		case <-tick.C:
			if closing {
				continue
			}
			for _, c := range store.SelectConnections(state) {
				if c.StatsInFlight {
					continue
				}
				state = store.Reduce(state, store.CollectConnectionStatsPending{PeerID: c.PeerID, Epoch: c.Epoch})
				inFlight++
				go func(id string, epoch uint64) {
					st, err := h.engine.CollectStats(ctx, id)
					if err != nil {
						results <- store.CollectConnectionStatsRejected{PeerID: id, Epoch: epoch, Error: err.Error()}
						return
					}
					results <- store.CollectConnectionStatsFulfilled{PeerID: id, Epoch: epoch, Stats: st, At: h.now()}
				}(c.PeerID, c.Epoch)
			}
		}
	}
	h.final = state
	if !everConnected {
		return ErrNeverConnected
	}
	return nil
}

// report prints what changed in a way a person reading a log wants.
func (h *headless) report(prev, next store.State, a store.Action) {
	ts := h.now().Format("15:04:05")
	name := func(id string) string {
		c, ok := next.Connections[id]
		if !ok {
			c = prev.Connections[id]
		}
		return tui.Sanitize(c.UserName, 32)
	}
	switch a := a.(type) {
	case store.UpdateSignaling:
		if a.Signaling.Status != prev.Signaling.Status || a.Signaling.Attempt != prev.Signaling.Attempt {
			line := fmt.Sprintf("%s signaling %s", ts, a.Signaling.Status)
			if a.Signaling.Status == store.SignalingReconnecting {
				line += fmt.Sprintf(" (attempt %d)", a.Signaling.Attempt)
			}
			fmt.Fprintln(h.out, line)
		}
	case store.AddPeerConnection:
		fmt.Fprintf(h.out, "%s %s joined\n", ts, name(a.PeerID))
	case store.RemovePeerConnection:
		fmt.Fprintf(h.out, "%s %s left\n", ts, name(a.PeerID))
	case store.UpdateConnectionStatus:
		if prev.Connections[a.PeerID].Status != next.Connections[a.PeerID].Status {
			fmt.Fprintf(h.out, "%s %s: %s\n", ts, name(a.PeerID), a.Status)
		}
	case store.SetConnectionError:
		if a.Error == "" {
			return
		}
		who := "call"
		if a.PeerID != "" {
			who = name(a.PeerID)
		}
		fmt.Fprintf(h.out, "%s %s: error: %s\n", ts, who, tui.Sanitize(a.Error, 200))
	case store.InitializeMediaFulfilled:
		for _, t := range a.Stream.Tracks {
			kind := "device"
			if t.Synthetic {
				kind = "synthetic"
			}
			fmt.Fprintf(h.out, "%s sending %s: %s (%s)\n", ts, t.Kind, tui.Sanitize(t.Label, 60), kind)
		}
		if len(a.Stream.Tracks) == 0 {
			fmt.Fprintf(h.out, "%s no camera or microphone: receive-only\n", ts)
		}
	case store.InitializeMediaRejected:
		fmt.Fprintf(h.out, "%s media: %s\n", ts, tui.Sanitize(a.Error, 200))
	case store.ChatReceived:
		// The server's stamp, so every participant's log agrees.
		who := tui.Sanitize(a.UserName, 32)
		if who == "" {
			who = name(a.From)
		}
		fmt.Fprintf(h.out, "%s %s: %s\n", a.At.In(h.now().Location()).Format("15:04:05"), who, tui.Sanitize(a.Text, 1000))
	case store.ChatRefused:
		fmt.Fprintf(h.out, "%s chat line not sent: %s\n", ts, tui.Sanitize(a.Reason, 200))
	case store.SetAudioOutput:
		switch {
		case a.Reason != "":
			fmt.Fprintf(h.out, "%s %s\n", ts, tui.Sanitize(a.Reason, 200))
		case prev.AudioOutput != "":
			fmt.Fprintf(h.out, "%s playing remote audio again\n", ts)
		}
	case store.InitializeLocalStream:
		// A microphone back after it had gone, or switched.
		if prev.LocalStream == nil || next.LocalStream == nil {
			return
		}
		before, had := prev.LocalStream.Track("audio")
		after, has := next.LocalStream.Track("audio")
		if has && (!had || before.DeviceID != after.DeviceID) {
			fmt.Fprintf(h.out, "%s microphone: %s\n", ts, tui.Sanitize(after.Label, 64))
		}
	case store.ServerNotice:
		fmt.Fprintf(h.out, "%s server %s: %s\n", ts, tui.Sanitize(a.Level, 8), tui.Sanitize(a.Message, 300))
	case store.SwitchedToSFU:
		fmt.Fprintf(h.out, "%s moved to %s: %d people\n", ts, tui.Sanitize(a.SFU, 32), a.People)
	}
}

func (h *headless) writeStats(c store.Connection, at time.Time) {
	codec := c.Stats.VideoCodec
	if c.Stats.AudioCodec != "" {
		if codec != "" {
			codec += "+"
		}
		codec += c.Stats.AudioCodec
	}
	layer := c.Stats.SendLayer
	if layer == "" {
		layer = "main" // an engine that names no layer sends one encoding (LiveKit: the high one)
	}
	row := statsRow{
		TS: at.UTC().Format(time.RFC3339), PeerID: c.PeerID, UserName: c.UserName, Status: string(c.Status),
		RTTMs: round1(c.Stats.RTTMillis), RecvKbps: round1(c.Stats.RecvKbps), SendKbps: round1(c.Stats.SendKbps),
		LossPct: round1(c.Stats.LossPct), JitterMs: round1(c.Stats.JitterMillis), FPS: round1(c.Stats.FramesPerSecond),
		Width: c.Stats.Width, Height: c.Stats.Height, Codec: codec, Route: c.Stats.Route.String(),
		AvailableSendKbps: round1(c.Stats.AvailableSendKbps), SendTargetKbps: round1(c.Stats.SendTargetKbps),
		SendLayer: layer, LimitedBy: c.Stats.LimitedBy, VideoPaused: c.Stats.VideoPaused, Quality: c.Stats.Quality,
	}
	if m := c.Media; m.Known {
		row.Audio, row.Video, row.Screen = &m.Audio, &m.Video, &m.Screen
	}
	b, _ := json.Marshal(row)
	_, _ = h.stats.Write(append(b, '\n'))
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
