package rtc

import "testing"

// TestQueueCloseWakesDrainer: a drainer that emptied the queue just before
// close must still be woken to see that the queue is finished.
func TestQueueCloseWakesDrainer(t *testing.T) {
	q := newQueue[int]()
	q.push(1)
	<-q.notify
	if got := q.drain(); len(got) != 1 {
		t.Fatalf("drained %v", got)
	}
	q.close()
	select {
	case <-q.notify:
	default:
		t.Fatal("close did not wake the drainer")
	}
	q.push(2)
	if got := q.drain(); len(got) != 0 {
		t.Fatalf("push after close kept %v", got)
	}
}
