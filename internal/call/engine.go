package call

import (
	"context"

	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// Engine is a call's back end as the wiring drives it: the mesh (rtc.Session)
// or an SFU. It is what the UI needs (tui.Engine) plus running, closing and
// the stream of store actions that describes the call.
type Engine interface {
	tui.Engine
	// Run joins and runs the call until ctx ends, Close is called or the
	// join is refused.
	Run(ctx context.Context) error
	// Close ends the call; it never waits for a reader of Actions.
	Close() error
	// Actions delivers every change of the call in order; closed when Run
	// has returned.
	Actions() <-chan store.Action
}
