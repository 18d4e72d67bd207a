package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
	"github.com/rtcterm/rtcterm/videoview"
)

// runTUI runs a session under the terminal UI until the user leaves, ctx
// ends or the duration passes.
func runTUI(ctx context.Context, sess Engine, o Output, sinks Sinks, out io.Writer) error {
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
	if sinks.Player != nil {
		initial.AudioOutput = sinks.Player.Reason()
	}
	opts := tui.Options{Engine: sess, Initial: initial, StatsInterval: o.StatsInterval, JoinHint: o.JoinHint}
	if sinks.Player != nil {
		opts.Audio = sinks.Player
	}
	if sinks.Video != nil {
		vs := VideoSource{Sink: sinks.Video}
		if lk, ok := sess.(interface {
			SetTiles(map[string]lkengine.TileSize)
		}); ok {
			// Through an SFU only drawn video is worth receiving (the
			// LiveKit engine, or a mesh call once it moved there).
			vs.OnTiles = func(tiles map[string]tui.TileSize) {
				out := make(map[string]lkengine.TileSize, len(tiles))
				for id, sz := range tiles {
					out[id] = lkengine.TileSize(sz)
				}
				lk.SetTiles(out)
			}
		}
		opts.Video = vs
	}
	final, uiErr := tui.Run(uiCtx, opts, sess.Actions())
	_ = sess.Close()
	err := <-runErr
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(uiErr, err) {
		err = nil // already in uiErr, or just the end of the call
	}
	if summary := Summary(final, time.Now()); summary != "" {
		fmt.Fprint(out, summary)
	}
	return errors.Join(uiErr, err)
}

// VideoSource adapts a videoview.Sink to the UI's tui.VideoSource: the same
// data under the UI's own type names, so tui does not import videoview.
type VideoSource struct {
	Sink *videoview.Sink
	// OnTiles, when set, hears the tiles too (the LiveKit engine receives
	// only the video that is drawn).
	OnTiles func(map[string]tui.TileSize)
}

var _ tui.VideoSource = VideoSource{}

// SetTiles tells the sink which peers have a tile and of what size.
func (v VideoSource) SetTiles(tiles map[string]tui.TileSize) {
	out := make(map[string]videoview.Size, len(tiles))
	for id, sz := range tiles {
		out[id] = videoview.Size(sz)
	}
	v.Sink.SetTiles(out)
	if v.OnTiles != nil {
		v.OnTiles(tiles)
	}
}

// Ready is signalled when new frames can be taken.
func (v VideoSource) Ready() <-chan struct{} { return v.Sink.Ready() }

// Take returns the newest frame of every peer that has a new one.
func (v VideoSource) Take() []tui.VideoFrame {
	frames := v.Sink.Take()
	out := make([]tui.VideoFrame, len(frames))
	for i, f := range frames {
		out[i] = tui.VideoFrame(f)
	}
	return out
}
