package netsim

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestSetRateKbpsWidensTheLink: a link that carries 200 kbps carries 800
// once SetRateKbps raises it, for a sender offering 1 Mbps; a Net without
// a cap, or a rate of zero, is refused.
func TestSetRateKbpsWidensTheLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const size = 1000
		a, b := newVirtualPair(t, Link{RateKbps: 200, QueueMs: 100})
		src, dst := listenOn(t, a, vnetIPA), listenOn(t, b, vnetIPB)
		got := receiveAll(dst)
		gap := time.Duration(float64((size+overheadBytes)*8) / 1e6 * float64(time.Second)) // 1 Mbps offered
		done := make(chan struct{})
		go func() { defer close(done); offer(t, src, dst.LocalAddr(), 0, int(6*time.Second/gap), size, gap) }()
		rate := func(from, to DirectionCounters, secs float64) float64 {
			return wireBits(to.DeliveredBytes-from.DeliveredBytes, to.Delivered-from.Delivered) / 1000 / secs
		}
		time.Sleep(time.Second)
		c1 := a.Counters()
		time.Sleep(2 * time.Second)
		c2 := a.Counters()
		if err := a.SetRateKbps(800); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		c3 := a.Counters()
		time.Sleep(2 * time.Second)
		c4 := a.Counters()
		<-done
		_ = dst.Close()
		<-got
		narrow, wide := rate(c1.Out, c2.Out, 2), rate(c3.Out, c4.Out, 2)
		t.Logf("delivered %.0f kbps at 200, %.0f kbps at 800", narrow, wide)
		if narrow < 190 || narrow > 210 || wide < 780 || wide > 820 {
			t.Errorf("delivered %.0f and %.0f kbps, want ~200 then ~800", narrow, wide)
		}
		if err := a.SetRateKbps(0); !errors.Is(err, ErrInvalidLink) {
			t.Errorf("SetRateKbps(0): %v, want ErrInvalidLink", err)
		}
	})
	n, err := NewNet(Link{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.SetRateKbps(100); !errors.Is(err, ErrInvalidLink) {
		t.Errorf("SetRateKbps on an uncapped link: %v, want ErrInvalidLink", err)
	}
}
