package rtc

import (
	"fmt"
	"testing"
)

// TestQueueKeepsOrderAndSignals: what is pushed comes out of drain in
// order, and a push after the consumer took the signal signals again, so
// the session loop never sleeps on queued work.
func TestQueueKeepsOrderAndSignals(t *testing.T) {
	q := newQueue[int]()
	q.push(1)
	q.push(2)
	<-q.notify
	if got := q.drain(); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("drained %v", got)
	}
	q.push(3)
	select {
	case <-q.notify:
	default:
		t.Fatal("a push after drain did not signal")
	}
	if got := q.drain(); fmt.Sprint(got) != "[3]" {
		t.Fatalf("drained %v", got)
	}
}
