package devices

import (
	"testing"
	"time"
)

// A device counts as gone only when it has been silent for deviceStall and
// goneAfter listings in a row, deviceStall apart, miss it; a callback or a
// listing that finds it starts the count again.
func TestStallWatch(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var w stallWatch
	w.beat(t0)
	asked := 0
	present := true
	ask := func() bool { asked++; return present }
	at := func(d time.Duration) bool { return w.gone(t0.Add(d), ask) }

	if at(100*time.Millisecond) || asked != 0 {
		t.Fatal("a device that called back 100 ms ago was checked")
	}
	if at(deviceStall) || asked != 1 {
		t.Fatalf("silent for deviceStall: asked %d times", asked)
	}
	present = false
	if at(deviceStall+100*time.Millisecond) || asked != 1 {
		t.Fatal("checked again within deviceStall")
	}
	if at(2*deviceStall) || asked != 2 {
		t.Fatal("gone after one missing listing")
	}
	if !at(3*deviceStall) || asked != 3 {
		t.Fatal("not gone after two missing listings in a row")
	}

	w = stallWatch{}
	w.beat(t0)
	asked = 0
	at(deviceStall) // missing once
	w.beat(t0.Add(deviceStall + time.Millisecond))
	if at(deviceStall+2*time.Millisecond) || w.misses != 0 {
		t.Fatal("a callback did not reset the count")
	}
}
