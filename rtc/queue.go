package rtc

import "sync"

// queue is a FIFO that never blocks the producer: Pion callbacks push into
// it and one goroutine drains it, so ordering is kept and no callback waits
// on a slow consumer. It is unbounded for the session's own work (which
// must not be lost) and bounded where an outsider drains it (Actions).
type queue[T any] struct {
	mu      sync.Mutex
	items   []T
	notify  chan struct{} // capacity 1: "there may be items"
	closed  bool
	limit   int    // most items held; 0: no limit
	dropped uint64 // pushes refused because the queue was full
}

func newQueue[T any]() *queue[T] {
	return &queue[T]{notify: make(chan struct{}, 1)}
}

// newBoundedQueue returns a queue that holds at most limit items and drops
// what is pushed beyond them.
func newBoundedQueue[T any](limit int) *queue[T] {
	q := newQueue[T]()
	q.limit = limit
	return q
}

// push appends v; it is dropped after close or when the queue is full. It
// reports whether v was kept.
func (q *queue[T]) push(v T) bool {
	q.mu.Lock()
	kept := !q.closed && (q.limit == 0 || len(q.items) < q.limit)
	if kept {
		q.items = append(q.items, v)
	} else if !q.closed {
		q.dropped++
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return kept
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
