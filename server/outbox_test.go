package server

import "testing"

func TestOutboxBounds(t *testing.T) {
	o := newOutbox(3, 10)
	if !o.push([]byte("aaaa")) || !o.push([]byte("bbbb")) {
		t.Fatal("push within bounds refused")
	}
	if o.push([]byte("ccc")) { // 11 bytes > 10
		t.Fatal("byte bound not enforced")
	}
	if !o.push([]byte("cc")) {
		t.Fatal("push at exactly the byte bound refused")
	}
	if o.push(nil) { // 4th frame
		t.Fatal("frame bound not enforced")
	}
	o.pushFront([]byte("w")) // welcome/requeue ignore the bound
	for _, want := range []string{"w", "aaaa", "bbbb", "cc"} {
		b, ok := o.pop()
		if !ok || string(b) != want {
			t.Fatalf("pop = %q, %v; want %q", b, ok, want)
		}
	}
	if _, ok := o.pop(); ok || o.bytes != 0 {
		t.Fatalf("queue not empty: %d bytes", o.bytes)
	}
}
