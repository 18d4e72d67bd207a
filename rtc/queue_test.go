package rtc

import (
	"fmt"
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

// TestQueuePushKeyedCoalesces: a keyed item replaces the queued one with
// the same key only across a run of keyed items, so it never moves past
// an unkeyed one, and coalescing frees no slot it did not take.
func TestQueuePushKeyedCoalesces(t *testing.T) {
	q := newBoundedQueue[string](4)
	q.pushKeyed("a", "a1")
	q.pushKeyed("b", "b1")
	q.pushKeyed("a", "a2") // replaces a1 in place
	q.push("x")            // a later "a" may not move before x
	q.pushKeyed("a", "a3")
	if q.pushKeyed("b", "b2") { // full: b1 is before x, so b2 needs a slot
		t.Fatal("a full queue kept b2")
	}
	q.pushKeyed("a", "a4") // replaces a3, which came after x
	if got := q.drain(); fmt.Sprint(got) != "[a2 b1 x a4]" {
		t.Fatalf("queue held %v", got)
	}
	if dropped, coalesced := q.counts(); dropped != 1 || coalesced != 2 {
		t.Fatalf("dropped %d, coalesced %d", dropped, coalesced)
	}
	q.pushKeyed("a", "a5") // after a take nothing queued can be replaced
	if got := q.drain(); fmt.Sprint(got) != "[a5]" {
		t.Fatalf("after drain the queue held %v", got)
	}
}
