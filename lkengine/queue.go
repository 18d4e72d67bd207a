package lkengine

import (
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// maxQueued bounds the actions waiting for a reader. Far more than a call
// produces between two reads; when reached, superseded actions are
// dropped (see compact) so memory stays bounded even with no reader.
const maxQueued = 1024

// flushGrace is how long the end of Run waits for a reader to take the
// last actions before dropping them, so Close never depends on a reader.
const flushGrace = 500 * time.Millisecond

// actionQueue carries actions from SDK callbacks to Actions(): push never
// blocks and the queue never grows past maxQueued.
type actionQueue struct {
	mu      sync.Mutex
	items   []store.Action
	closed  bool
	dropped int
	notify  chan struct{} // capacity 1: "there may be items"
}

func newActionQueue() *actionQueue {
	return &actionQueue{notify: make(chan struct{}, 1)}
}

// push appends a; dropped after close. When full, superseded actions are
// removed first; if that frees nothing, the oldest action goes.
func (q *actionQueue) push(a store.Action) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if len(q.items) >= maxQueued {
		before := len(q.items)
		q.items = compact(q.items)
		if len(q.items) >= maxQueued {
			q.items = q.items[1:]
		}
		q.dropped += before - len(q.items)
	}
	q.items = append(q.items, a)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// take removes and returns every queued action.
func (q *actionQueue) take() []store.Action {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// close drops future pushes and wakes the forwarder.
func (q *actionQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// finished reports whether the queue is closed and empty.
func (q *actionQueue) finished() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed && len(q.items) == 0
}

// supersedeKey names what an action sets, for actions where only the last
// one matters (a status, a media state, a switch); "" for the rest, whose
// every occurrence matters (a peer joining or leaving).
func supersedeKey(a store.Action) string {
	switch a := a.(type) {
	case store.UpdateConnectionStatus:
		return "status/" + a.PeerID
	case store.UpdateRemoteMedia:
		return "media/" + a.PeerID
	case store.SetConnectionError:
		return "error/" + a.PeerID
	case store.UpdateSignaling:
		return "signaling"
	case store.ToggleAudio:
		return "audio"
	case store.ToggleVideo:
		return "video"
	case store.ToggleScreenShare:
		return "screen"
	case store.SetAudioOutput:
		return "audio-output"
	}
	return ""
}

// compact keeps, of every keyed action, only the last; order is otherwise
// kept. Dropping a peer's earlier statuses can skip intermediate states,
// which the reducer tolerates (an illegal move is ignored, the next state
// report corrects it).
func compact(items []store.Action) []store.Action {
	last := map[string]int{}
	for i, a := range items {
		if k := supersedeKey(a); k != "" {
			last[k] = i
		}
	}
	out := items[:0:0]
	for i, a := range items {
		if k := supersedeKey(a); k == "" || last[k] == i {
			out = append(out, a)
		}
	}
	return out
}

// forward moves queued actions to out until the queue is closed and
// drained, then closes out. Once stop is closed it waits at most
// flushGrace for a reader, then drops what is left.
func (q *actionQueue) forward(out chan<- store.Action, stop <-chan struct{}) {
	defer close(out)
	var deadline <-chan time.Time
	for {
		select {
		case <-q.notify:
		case <-stop:
			stop = nil
			deadline = time.After(flushGrace)
		case <-deadline:
			return
		}
		for _, a := range q.take() {
			for sent := false; !sent; {
				select {
				case out <- a:
					sent = true
				case <-stop:
					stop = nil
					deadline = time.After(flushGrace)
				case <-deadline:
					return
				}
			}
		}
		if q.finished() {
			return
		}
	}
}
