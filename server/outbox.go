package server

import "sync"

// outbox is a peer's bounded FIFO of encoded frames. It outlives connections:
// during the resume grace period frames wait here for the next connection.
type outbox struct {
	mu       sync.Mutex
	items    [][]byte
	bytes    int
	max      int // frames
	maxBytes int
	wake     chan struct{} // capacity 1; signalled on push
}

func newOutbox(max, maxBytes int) *outbox {
	return &outbox{max: max, maxBytes: maxBytes, wake: make(chan struct{}, 1)}
}

// push appends b; false means the queue is full (in frames or bytes) and b
// was not added.
func (o *outbox) push(b []byte) bool {
	o.mu.Lock()
	if len(o.items) >= o.max || o.bytes+len(b) > o.maxBytes {
		o.mu.Unlock()
		return false
	}
	o.items = append(o.items, b)
	o.bytes += len(b)
	o.mu.Unlock()
	o.signal()
	return true
}

// pushFront puts b at the head regardless of the bound: used for a welcome
// that must precede queued frames, and for a frame whose write failed.
func (o *outbox) pushFront(b []byte) {
	o.mu.Lock()
	o.items = append(o.items, nil)
	copy(o.items[1:], o.items)
	o.items[0] = b
	o.bytes += len(b)
	o.mu.Unlock()
	o.signal()
}

func (o *outbox) pop() ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.items) == 0 {
		return nil, false
	}
	b := o.items[0]
	o.bytes -= len(b)
	o.items[0] = nil
	o.items = o.items[1:]
	if len(o.items) == 0 {
		o.items = nil // let the backing array go
	}
	return b, true
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
