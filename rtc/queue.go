package rtc

import "sync"

// queue is an unbounded FIFO that never blocks the producer: Pion callbacks
// push into it and one goroutine drains it, so ordering is kept and no
// callback waits on a slow consumer.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	notify chan struct{} // capacity 1: "there may be items"
	closed bool
}

func newQueue[T any]() *queue[T] {
	return &queue[T]{notify: make(chan struct{}, 1)}
}

// push appends v; it is dropped after close.
func (q *queue[T]) push(v T) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, v)
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// drain takes every queued item.
func (q *queue[T]) drain() []T {
	items, _ := q.take()
	return items
}

// take takes every queued item and reports whether the queue is closed:
// then these are the last items it will ever hold, and the drainer can
// stop once it has handled them.
func (q *queue[T]) take() (items []T, last bool) {
	q.mu.Lock()
	items, last = q.items, q.closed
	q.items = nil
	q.mu.Unlock()
	return items, last
}

// close drops future pushes; queued items can still be drained. It wakes
// the drainer, which may have taken the last notification before close
// and would otherwise wait for one forever.
func (q *queue[T]) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}
