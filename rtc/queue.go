package rtc

import "sync"

// queue is a FIFO of the session's own work that never blocks the
// producer: Pion callbacks push into it and one goroutine drains it, so
// ordering is kept and no callback waits on a slow consumer. It is
// unbounded because what it holds must not be lost (the session loop's
// events, the signaling messages to send); the actions for an outside
// reader go through the bounded store.Queue instead.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	notify chan struct{} // capacity 1: "there may be items"
}

func newQueue[T any]() *queue[T] {
	return &queue[T]{notify: make(chan struct{}, 1)}
}

// push appends v and signals notify.
func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// drain takes every queued item.
func (q *queue[T]) drain() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}
