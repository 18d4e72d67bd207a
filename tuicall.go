package main

import (
	"context"
	"errors"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
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
func runSessionTUI(ctx context.Context, sess *rtc.Session, o mediaOptions, player *devices.Player, hint string, _ stdio) error {
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
	uiErr := tui.Run(uiCtx, tui.Options{Engine: sess, Initial: initial, StatsInterval: o.StatsInterval, JoinHint: hint}, sess.Actions())
	_ = sess.Close()
	go discardActions(sess.Actions()) // the UI has stopped reading them
	err := <-runErr
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(uiErr, err) {
		err = nil // already in uiErr, or just the end of the call
	}
	return errors.Join(uiErr, err)
}
