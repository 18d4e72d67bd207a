package testkit

import (
	"sync"

	"github.com/rtcterm/rtcterm/store"
)

// Recorder folds a stream of actions into the state a UI would show, and
// keeps every action for tests that check what was emitted.
type Recorder struct {
	mu      sync.Mutex
	state   store.State
	actions []store.Action
	done    chan struct{}
}

// NewRecorder reads actions until the channel closes.
func NewRecorder(actions <-chan store.Action) *Recorder {
	r := &Recorder{state: store.New(), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for a := range actions {
			r.mu.Lock()
			r.state = store.Reduce(r.state, a)
			r.actions = append(r.actions, a)
			r.mu.Unlock()
		}
	}()
	return r
}

// State is the state so far.
func (r *Recorder) State() store.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Actions is every action so far, in order.
func (r *Recorder) Actions() []store.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.Action(nil), r.actions...)
}

// PeerNamed is the connection to the peer with that user name.
func (r *Recorder) PeerNamed(name string) (store.Connection, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.state.Connections {
		if c.UserName == name {
			return c, true
		}
	}
	return store.Connection{}, false
}

// Done is closed when the action stream has ended.
func (r *Recorder) Done() <-chan struct{} { return r.done }
