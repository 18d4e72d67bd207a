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
