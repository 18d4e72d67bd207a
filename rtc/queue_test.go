package rtc

import (
	"testing"
	"time"
)

// TestQueueCloseWakesTheDrainer: a drainer that emptied the queue and waits
// for a notification must be woken by close, or Session.Run never returns.
func TestQueueCloseWakesTheDrainer(t *testing.T) {
	q := newQueue[int]()
	q.push(1)
	<-q.notify
	if got := q.drain(); len(got) != 1 {
		t.Fatalf("drained %v", got)
	}
	q.close()
	select {
	case <-q.notify:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not wake the drainer")
	}
	q.push(2)
	if got := q.drain(); len(got) != 0 {
		t.Fatalf("push after close kept %v", got)
	}
}

// TestQueueTakeReportsTheLastItems: take says "last" only once the queue is
// closed, and hands over what was queued before close with it.
func TestQueueTakeReportsTheLastItems(t *testing.T) {
	q := newQueue[int]()
	q.push(1)
	if items, last := q.take(); len(items) != 1 || last {
		t.Fatalf("open queue: take = %v, %v; want [1], false", items, last)
	}
	q.push(2)
	q.push(3)
	q.close()
	if items, last := q.take(); len(items) != 2 || items[0] != 2 || items[1] != 3 || !last {
		t.Fatalf("closed queue: take = %v, %v; want [2 3], true", items, last)
	}
	if items, last := q.take(); len(items) != 0 || !last {
		t.Fatalf("closed, empty queue: take = %v, %v; want [], true", items, last)
	}
}

// TestBoundedQueueDropsBeyondItsLimit: a queue nobody drains stops growing
// at its limit and counts what it refused.
func TestBoundedQueueDropsBeyondItsLimit(t *testing.T) {
	q := newBoundedQueue[int](3)
	for i := range 5 {
		if kept := q.push(i); kept != (i < 3) {
			t.Fatalf("push(%d) kept = %v", i, kept)
		}
	}
	if items := q.drain(); len(items) != 3 || items[2] != 2 || q.dropped != 2 {
		t.Fatalf("drained %v, dropped %d; want [0 1 2], 2", items, q.dropped)
	}
	if !q.push(9) {
		t.Fatal("push refused after the queue was drained")
	}
}
