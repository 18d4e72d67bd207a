package signal

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	c := NewClient(ClientConfig{Rand: func() float64 { return 0 }})
	want := []time.Duration{125, 250, 500, 1000, 2000, 4000, 5000, 5000} // ms, half of 250·2ⁿ capped at 10 s
	for i, w := range want {
		if got := c.backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("backoff(%d) with jitter 0 = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	c = NewClient(ClientConfig{Rand: func() float64 { return 0.999999 }})
	if got := c.backoff(100); got < 9999*time.Millisecond || got > 10*time.Second {
		t.Errorf("backoff(100) with jitter ~1 = %v, want just under 10s", got)
	}
}

func TestStatesDropOldest(t *testing.T) {
	c := NewClient(ClientConfig{})
	for i := range 40 {
		c.setState(ClientState{Status: ClientReconnecting, Attempt: i})
	}
	first := <-c.states
	if first.Attempt != 40-cap(c.states) {
		t.Errorf("oldest kept state is attempt %d, want %d", first.Attempt, 40-cap(c.states))
	}
	var last ClientState
	for len(c.states) > 0 {
		last = <-c.states
	}
	if last.Attempt != 39 {
		t.Errorf("newest state is attempt %d, want 39", last.Attempt)
	}
}
