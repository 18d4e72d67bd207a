package netsim

import (
	"encoding/binary"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// rateDatagram is datagram seq of n bytes carrying its send time, so the
// receiver can measure its one-way delay on the bubble's exact clock.
func rateDatagram(seq, n int, at time.Time) []byte {
	b := make([]byte, n)
	binary.BigEndian.PutUint32(b, uint32(seq))
	binary.BigEndian.PutUint64(b[4:], uint64(at.UnixNano()))
	return b
}

// arrival is one datagram as the receiver saw it.
type arrival struct {
	seq   int
	delay time.Duration
	bytes int
}

// receiveAll reads datagrams from c until it is closed and returns them in
// arrival order on the channel once done.
func receiveAll(c net.PacketConn) <-chan []arrival {
	done := make(chan []arrival, 1)
	go func() {
		var got []arrival
		buf := make([]byte, 2048)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				done <- got
				return
			}
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(buf[4:])))
			got = append(got, arrival{seq: int(binary.BigEndian.Uint32(buf)), delay: time.Since(sent), bytes: n})
		}
	}()
	return done
}

// offer sends count datagrams of size bytes, one every gap, numbered from
// first, from src to dst.
func offer(t *testing.T, src net.PacketConn, dst net.Addr, first, count, size int, gap time.Duration) {
	for i := range count {
		if _, err := src.WriteTo(rateDatagram(first+i, size, time.Now()), dst); err != nil {
			t.Error(err)
			return
		}
		time.Sleep(gap)
	}
}

// wireBits is what the rate cap counts for the datagrams of c.
func wireBits(bytes, datagrams uint64) float64 { return float64(8 * (bytes + overheadBytes*datagrams)) }

func TestRateCapThroughputConverges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rateKbps, queueMs, size = 400, 200, 1000
		const seconds = 10
		link := Link{RateKbps: rateKbps, QueueMs: queueMs, Delay: 20 * time.Millisecond}
		a, b := newVirtualPair(t, link)
		txTime := time.Duration(float64((size+overheadBytes)*8) / (rateKbps * 1000) * float64(time.Second))
		// Each of two sockets on A offers the full rate, so together they
		// offer twice what the shared bottleneck carries; B offers A twice
		// the rate alone, through A's inbound bottleneck.
		srcs := []net.PacketConn{listenOn(t, a, vnetIPA), listenOn(t, a, vnetIPA)}
		dstB := listenOn(t, b, vnetIPB)
		srcB := listenOn(t, b, vnetIPB)
		dstA := listenOn(t, a, vnetIPA)
		gotB, gotA := receiveAll(dstB), receiveAll(dstA)

		count := int(seconds * time.Second / txTime)
		done := make(chan struct{})
		for i, src := range srcs {
			go func() {
				defer func() { done <- struct{}{} }()
				offer(t, src, dstB.LocalAddr(), i<<20, count, size, txTime)
			}()
		}
		go func() {
			defer func() { done <- struct{}{} }()
			offer(t, srcB, dstA.LocalAddr(), 0, 2*count, size, txTime/2)
		}()
		// Throughput over the steady part: from when the queues have
		// filled to the end of the offer.
		time.Sleep(2 * time.Second)
		before := a.Counters()
		time.Sleep((seconds - 2) * time.Second)
		after := a.Counters()
		for range 3 {
			<-done
		}
		time.Sleep(time.Second) // let the queues drain
		synctest.Wait()
		c := a.Counters()
		_ = dstB.Close()
		_ = dstA.Close()
		arrivedB, arrivedA := <-gotB, <-gotA

		want := float64(rateKbps * 1000 * (seconds - 2))
		for _, d := range []struct {
			name        string
			c, from, to DirectionCounters
			arrived     []arrival
		}{{"out", c.Out, before.Out, after.Out, arrivedB}, {"in", c.In, before.In, after.In, arrivedA}} {
			got := wireBits(d.to.DeliveredBytes-d.from.DeliveredBytes, d.to.Delivered-d.from.Delivered)
			offered := wireBits(d.to.OfferedBytes-d.from.OfferedBytes, d.to.Offered-d.from.Offered)
			t.Logf("%s: from 2 s to %d s offered %.0f kbit, delivered %.0f kbit (%.2f %% of the rate); queue drops %d, queueing delay %v, max %v",
				d.name, seconds, offered/1000, got/1000, 100*got/want, d.c.QueueDropped, d.to.QueueDelay, d.c.MaxQueueDelay)
			if got < 0.98*want || got > 1.02*want {
				t.Errorf("%s: delivered %.0f bits, want %.0f ± 2 %%", d.name, got, want)
			}
			if d.c.QueueDropped == 0 || d.c.Dropped != d.c.QueueDropped || d.c.Offered != d.c.Delivered+d.c.Dropped {
				t.Errorf("%s: counters %+v: want drops, all of them the queue's, every datagram accounted for", d.name, d.c)
			}
			if d.c.MaxQueueDelay > queueMs*time.Millisecond {
				t.Errorf("%s: max queueing delay %v, want <= %d ms", d.name, d.c.MaxQueueDelay, queueMs)
			}
			if d.c.QueueDelay != 0 {
				t.Errorf("%s: queue holds %v after draining", d.name, d.c.QueueDelay)
			}
			if uint64(len(d.arrived)) != d.c.Delivered {
				t.Errorf("%s: receiver got %d datagrams, link delivered %d", d.name, len(d.arrived), d.c.Delivered)
			}
			last := map[int]int{}
			for _, x := range d.arrived {
				flow := x.seq >> 20
				if prev, ok := last[flow]; ok && x.seq <= prev {
					t.Fatalf("%s: datagram %d after %d: FIFO order broken", d.name, x.seq, prev)
				}
				last[flow] = x.seq
				// Queueing and serialization, then the propagation delay.
				if x.delay < link.Delay+txTime || x.delay > link.Delay+queueMs*time.Millisecond {
					t.Fatalf("%s: datagram %d took %v, want within [%v, %v]", d.name, x.seq, x.delay,
						link.Delay+txTime, link.Delay+queueMs*time.Millisecond)
				}
			}
			if len(last) != map[string]int{"out": 2, "in": 1}[d.name] {
				t.Errorf("%s: %d flows got through, want every one", d.name, len(last))
			}
		}
	})
}

func TestRateCapBelowRateOnlyPropagationDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rateKbps, size = 1000, 1200
		link := Link{RateKbps: rateKbps, Delay: 30 * time.Millisecond}
		a, b := newVirtualPair(t, link)
		src, dst := listenOn(t, a, vnetIPA), listenOn(t, b, vnetIPB)
		got := receiveAll(dst)
		txTime := time.Duration(float64((size+overheadBytes)*8) / (rateKbps * 1000) * float64(time.Second))
		// Half the rate: every datagram finds the link idle.
		offer(t, src, dst.LocalAddr(), 0, 500, size, 2*txTime)
		time.Sleep(time.Second)
		synctest.Wait()
		c := a.Counters().Out
		_ = dst.Close()
		arrived := <-got
		if c.Dropped != 0 || c.Delivered != 500 || len(arrived) != 500 {
			t.Fatalf("counters %+v, %d arrived: want all 500 delivered", c, len(arrived))
		}
		for i, x := range arrived {
			if x.seq != i || x.delay != link.Delay+txTime {
				t.Fatalf("arrival %d: datagram %d after %v, want datagram %d after exactly %v (serialization %v + propagation %v)",
					i, x.seq, x.delay, i, link.Delay+txTime, txTime, link.Delay)
			}
		}
		if c.MaxQueueDelay != txTime {
			t.Fatalf("max queueing delay %v, want one serialization, %v", c.MaxQueueDelay, txTime)
		}
	})
}

func TestRateCapTailDropsOnlyWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rateKbps, queueMs, size = 100, 100, 222 // 250 bytes on the wire: 20 ms each
		a, b := newVirtualPair(t, Link{RateKbps: rateKbps, QueueMs: queueMs})
		src, dst := listenOn(t, a, vnetIPA), listenOn(t, b, vnetIPB)
		got := receiveAll(dst)
		// A burst of 12 at one instant: 5 fit in 100 ms, the rest find the
		// queue full. Once it has drained, the next burst is taken again.
		offer(t, src, dst.LocalAddr(), 0, 12, size, 0)
		if c := a.Counters().Out; c.QueueDelay != queueMs*time.Millisecond {
			t.Errorf("queue holds %v after the burst, want %d ms", c.QueueDelay, queueMs)
		}
		time.Sleep(queueMs * time.Millisecond)
		offer(t, src, dst.LocalAddr(), 100, 3, size, 0)
		time.Sleep(time.Second)
		synctest.Wait()
		c := a.Counters().Out
		_ = dst.Close()
		arrived := <-got
		var seqs []int
		for _, x := range arrived {
			seqs = append(seqs, x.seq)
		}
		want := []int{0, 1, 2, 3, 4, 100, 101, 102}
		if len(seqs) != len(want) || c.QueueDropped != 7 || c.Dropped != 7 {
			t.Fatalf("arrived %v with counters %+v, want %v and 7 tail drops", seqs, c, want)
		}
		for i := range want {
			if seqs[i] != want[i] {
				t.Fatalf("arrived %v, want %v", seqs, want)
			}
		}
		if c.MaxQueueDelay != queueMs*time.Millisecond {
			t.Fatalf("max queueing delay %v, want %d ms", c.MaxQueueDelay, queueMs)
		}
	})
}

func TestRateCapIdleLinkTakesOversizedDatagram(t *testing.T) {
	// 10 kbps and a 10 ms queue: one 1200-byte datagram takes 982 ms to send.
	bn := newBottleneck(10, 10)
	now := time.Unix(0, 0)
	left, ok := bn.admit(now, 1200)
	if !ok || left.Sub(now) != 982400*time.Microsecond {
		t.Fatalf("idle link: admitted %v, leaves after %v; want admitted, 982.4 ms", ok, left.Sub(now))
	}
	if _, ok := bn.admit(now.Add(time.Millisecond), 1); ok {
		t.Fatal("busy link with no room took a datagram")
	}
	if _, _, dropped := bn.stats(now); dropped != 1 {
		t.Fatalf("dropped %d, want 1", dropped)
	}
}

func TestUnlimitedLinkHasNoQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newVirtualPair(t, Link{Delay: 5 * time.Millisecond, QueueMs: 1})
		src, dst := listenOn(t, a, vnetIPA), listenOn(t, b, vnetIPB)
		got := receiveAll(dst)
		offer(t, src, dst.LocalAddr(), 0, 1000, 1200, 0) // 9.8 Mbit at one instant
		time.Sleep(time.Second)
		synctest.Wait()
		c := a.Counters().Out
		_ = dst.Close()
		arrived := <-got
		if c.Delivered != 1000 || len(arrived) != 1000 || c.QueueDropped != 0 || c.MaxQueueDelay != 0 {
			t.Fatalf("counters %+v, %d arrived: want all delivered, no queue", c, len(arrived))
		}
		for _, x := range arrived {
			if x.delay != 5*time.Millisecond {
				t.Fatalf("datagram %d took %v, want exactly the 5 ms delay", x.seq, x.delay)
			}
		}
		if c.OfferedBytes != 1200*1000 || c.DeliveredBytes != 1200*1000 {
			t.Fatalf("bytes offered %d, delivered %d, want 1200000", c.OfferedBytes, c.DeliveredBytes)
		}
	})
}
