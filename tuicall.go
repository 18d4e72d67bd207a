package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
	"github.com/rtcterm/rtcterm/videoview"
)

// errNoTerminal is returned when the UI is asked for without a terminal.
var errNoTerminal = errors.New("the terminal UI needs a terminal on standard output; use --no-tui (with --stats-json -) for scripts")

// checkTerminal fails early, before anything starts, when the UI is wanted
// but standard output is not a terminal.
func checkTerminal(o mediaOptions) error {
	if o.NoTUI || term.IsTerminal(os.Stdout.Fd()) {
		return nil
	}
	return errNoTerminal
}

// runSessionTUI runs a session under the terminal UI until the user leaves,
// ctx ends or --duration passes.
func runSessionTUI(ctx context.Context, sess *rtc.Session, o mediaOptions, player *devices.Player, video *videoview.Sink, hint string, _ stdio) error {
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	// A session that ends by itself (the server refused the join) ends
	// the UI too, which prints the error after restoring the terminal.
	uiCtx, cancelUI := context.WithCancelCause(ctx)
	defer cancelUI(nil)
	runErr := make(chan error, 1)
	go func() {
		err := sess.Run(ctx)
		if err != nil {
			cancelUI(tui.Fatal{Err: err})
		}
		runErr <- err
	}()
	initial := store.New()
	if player != nil {
		initial.AudioOutput = player.Reason()
	}
	opts := tui.Options{Engine: sess, Initial: initial, StatsInterval: o.StatsInterval, JoinHint: hint}
	if video != nil {
		opts.Video = videoSource{video}
	}
	uiErr := tui.Run(uiCtx, opts, sess.Actions())
	_ = sess.Close()
	err := <-runErr
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(uiErr, err) {
		err = nil // already in uiErr, or just the end of the call
	}
	return errors.Join(uiErr, err)
}

// newVideoSink builds the decoder of the peers' video for the terminal UI,
// or nil without the UI (--no-tui draws no video). The cell encoding
// follows the terminal: COLORTERM, NO_COLOR and TERM.
func newVideoSink(o mediaOptions, env lookupEnv, log *slog.Logger) (*videoview.Sink, error) {
	if o.VideoFPS < 1 || o.VideoFPS > 30 {
		return nil, usageError{"--video-fps must be between 1 and 30"}
	}
	if o.NoTUI {
		return nil, nil
	}
	getenv := func(k string) string { v, _ := env(k); return v }
	return videoview.New(videoview.Config{FPS: o.VideoFPS, Mode: videoview.DetectMode(getenv), Logger: log}), nil
}

// closeVideo stops the video workers, if there are any.
func closeVideo(s *videoview.Sink) {
	if s != nil {
		_ = s.Close()
	}
}

// videoSource adapts a videoview.Sink to the UI's VideoSource: the same
// data under the UI's own type names, so tui does not import videoview.
type videoSource struct{ s *videoview.Sink }

func (v videoSource) SetTiles(tiles map[string]tui.TileSize) {
	out := make(map[string]videoview.Size, len(tiles))
	for id, sz := range tiles {
		out[id] = videoview.Size(sz)
	}
	v.s.SetTiles(out)
}

func (v videoSource) Ready() <-chan struct{} { return v.s.Ready() }

func (v videoSource) Take() []tui.VideoFrame {
	frames := v.s.Take()
	out := make([]tui.VideoFrame, len(frames))
	for i, f := range frames {
		out[i] = tui.VideoFrame(f)
	}
	return out
}
