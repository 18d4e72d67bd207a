package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// leaveGrace is how long Run waits for the Engine to leave the call after
// its context is done before it quits regardless.
const leaveGrace = 3 * time.Second

// Run shows the UI on the terminal (alternate screen) until the user
// leaves or ctx is done. It forwards every action from actions to the
// program from one goroutine, restores the terminal, and returns the error
// to print afterwards, nil after a clean exit, with the state the UI last
// showed (for a summary of the call). When ctx is done the UI leaves the
// call as if q was pressed, unless ctx was cancelled with a Fatal cause:
// then it quits at once and Run returns that error.
func Run(ctx context.Context, opts Options, actions <-chan store.Action) (store.State, error) {
	m, err := runModel(ctx, opts, actions)
	return m.State(), err
}

// run is Run with extra program options, for tests that give their own
// input and output.
func run(ctx context.Context, opts Options, actions <-chan store.Action, popts ...tea.ProgramOption) error {
	_, err := runModel(ctx, opts, actions, popts...)
	return err
}

// runModel is run that also returns the final model, for tests.
func runModel(ctx context.Context, opts Options, actions <-chan store.Action, popts ...tea.ProgramOption) (Model, error) {
	p := tea.NewProgram(New(opts), popts...)
	done := make(chan struct{})
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		forward(ctx, p, opts.Video, actions, done)
	}()
	final, err := p.Run()
	close(done)
	<-forwarded
	m, _ := final.(Model)
	return m, errors.Join(err, m.Err())
}

// forward is the one goroutine that sends external events to the program:
// store actions and, when there is a video source, its newest frames.
// When ctx is done it asks the UI to leave the call, and quits the program
// if leaving takes longer than leaveGrace.
func forward(ctx context.Context, p *tea.Program, video VideoSource, actions <-chan store.Action, done <-chan struct{}) {
	ctxDone := ctx.Done()
	var grace <-chan time.Time
	var videoReady <-chan struct{}
	if video != nil {
		videoReady = video.Ready()
	}
	for {
		select {
		case <-done:
			return
		case <-videoReady:
			// Take only now: frames drawn while Send waited replaced each
			// other, so a slow terminal gets the newest, not a backlog.
			if frames := video.Take(); len(frames) > 0 {
				p.Send(VideoUpdate{Frames: frames})
			}
		case a, ok := <-actions:
			if !ok {
				actions = nil
				continue
			}
			p.Send(a)
		case <-ctxDone:
			ctxDone = nil
			var fatal Fatal
			if errors.As(context.Cause(ctx), &fatal) {
				p.Send(fatal)
				return
			}
			p.Send(leaveRequest{})
			t := time.NewTimer(leaveGrace)
			defer t.Stop()
			grace = t.C
		case <-grace:
			p.Quit()
			return
		}
	}
}
