package call

import (
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// maxQueuedActions bounds the actions a handover holds for a slow reader;
// beyond it new ones are dropped, as the engines do.
const maxQueuedActions = 4096

// forwardGrace is how long, once the call is ending, the queue waits for a
// reader before dropping what is left, so Close never depends on one.
const forwardGrace = 500 * time.Millisecond

// actionQueue carries the handover's merged actions to its Actions channel
// in order, without ever blocking the one who pushes.
type actionQueue struct {
	mu     sync.Mutex
	items  []store.Action
	closed bool
	notify chan struct{}
}

func newActionQueue() *actionQueue { return &actionQueue{notify: make(chan struct{}, 1)} }

// push queues a; false when the queue is full or closed.
func (q *actionQueue) push(a store.Action) bool {
	q.mu.Lock()
	ok := !q.closed && len(q.items) < maxQueuedActions
	if ok {
		q.items = append(q.items, a)
	}
	q.mu.Unlock()
	q.wake()
	return ok
}

func (q *actionQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

func (q *actionQueue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *actionQueue) take() ([]store.Action, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items, q.closed
}

// forward delivers to out until the queue is closed and empty, then closes
// out. Once ending is closed a reader gets forwardGrace in all.
func (q *actionQueue) forward(out chan<- store.Action, ending <-chan struct{}) {
	defer close(out)
	var grace <-chan time.Time
	dropping := false
	for {
		<-q.notify
		items, last := q.take()
		for _, a := range items {
			if dropping {
				continue
			}
			if grace == nil {
				select {
				case out <- a:
					continue
				case <-ending:
					grace = time.After(forwardGrace)
				}
			}
			select {
			case out <- a:
			case <-grace:
				dropping = true
			}
		}
		if last {
			return
		}
	}
}
