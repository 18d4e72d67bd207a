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
	// keyed maps a coalescing key to the index in items of the queued
	// item that carries it (see pushKeyed). Any unkeyed push clears it,
	// so an item is only ever replaced across a run of keyed items and
	// the order relative to every other item is kept.
	keyed     map[string]int
	coalesced uint64 // keyed pushes that replaced a queued item
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
		clear(q.keyed) // what came before v may no longer move past it
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

// pushKeyed is push for items where only the newest of a kind matters (a
// peer's media state): while an item with the same key is still queued
// and only keyed items came after it, v replaces it in place instead of
// taking a slot, so a flood of such items costs one slot per key. It
// reports whether v was kept.
func (q *queue[T]) pushKeyed(key string, v T) bool {
	q.mu.Lock()
	if i, ok := q.keyed[key]; ok && !q.closed {
		q.items[i] = v
		q.coalesced++
		q.mu.Unlock()
		return true
	}
	kept := !q.closed && (q.limit == 0 || len(q.items) < q.limit)
	if kept {
		if q.keyed == nil {
			q.keyed = map[string]int{}
		}
		q.keyed[key] = len(q.items)
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

// counts reports how many pushes were dropped and how many coalesced.
func (q *queue[T]) counts() (dropped, coalesced uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped, q.coalesced
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
	clear(q.keyed)
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
