package netsim

import (
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// TestSharedRateCarriesBothDirectionsInOneCap: with SharedRate, what A
// sends and what it receives share one rate: each direction offering the
// full rate delivers about the rate in total, not in each direction, and
// both see the same queue.
func TestSharedRateCarriesBothDirectionsInOneCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rateKbps, size, seconds = 400, 1000, 10
		a, b := newVirtualPair(t, Link{RateKbps: rateKbps, QueueMs: 200, SharedRate: true})
		txTime := time.Duration(float64((size+overheadBytes)*8) / (rateKbps * 1000) * float64(time.Second))
		srcA, dstB := listenOn(t, a, vnetIPA), listenOn(t, b, vnetIPB)
		srcB, dstA := listenOn(t, b, vnetIPB), listenOn(t, a, vnetIPA)
		gotB, gotA := receiveAll(dstB), receiveAll(dstA)
		count := int(seconds * time.Second / txTime)
		done := make(chan struct{}, 2)
		for _, f := range []struct {
			src net.PacketConn
			dst net.Addr
		}{{srcA, dstB.LocalAddr()}, {srcB, dstA.LocalAddr()}} {
			go func() {
				defer func() { done <- struct{}{} }()
				offer(t, f.src, f.dst, 0, count, size, txTime)
			}()
		}
		time.Sleep(2 * time.Second)
		before := a.Counters()
		time.Sleep((seconds - 2) * time.Second)
		after := a.Counters()
		<-done
		<-done
		time.Sleep(time.Second)
		synctest.Wait()
		_ = dstB.Close()
		_ = dstA.Close()
		<-gotB
		<-gotA

		out := wireBits(after.Out.DeliveredBytes-before.Out.DeliveredBytes, after.Out.Delivered-before.Out.Delivered)
		in := wireBits(after.In.DeliveredBytes-before.In.DeliveredBytes, after.In.Delivered-before.In.Delivered)
		want := float64(rateKbps * 1000 * (seconds - 2))
		t.Logf("out %.0f kbit, in %.0f kbit, together %.1f %% of the rate", out/1000, in/1000, 100*(out+in)/want)
		if out+in < 0.98*want || out+in > 1.02*want {
			t.Errorf("both directions delivered %.0f bits, want %.0f ± 2 %% in total", out+in, want)
		}
		// Drop-tail shares nothing fairly between flows that do not back
		// off; both directions only have to get through.
		if out == 0 || in == 0 {
			t.Errorf("out %.0f, in %.0f bits: a direction got nothing", out, in)
		}
		c := a.Counters()
		if c.Out.QueueDropped == 0 || c.Out.QueueDropped != c.In.QueueDropped {
			t.Errorf("queue drops out %d, in %d: want drops, the one queue's on both", c.Out.QueueDropped, c.In.QueueDropped)
		}
	})
}
