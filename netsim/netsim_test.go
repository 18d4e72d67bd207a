package netsim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, what, cond)
}

func newNet(t *testing.T, link Link) *Net {
	t.Helper()
	n, err := NewNet(link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func listenPlain(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func listenSim(t *testing.T, n *Net) net.PacketConn {
	t.Helper()
	c, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// datagram builds payload number seq: the sequence number then a pattern
// derived from it, so corruption and reordering are both visible.
func datagram(seq int) []byte {
	b := make([]byte, 4+seq%200)
	binary.BigEndian.PutUint32(b, uint32(seq))
	for i := 4; i < len(b); i++ {
		b[i] = byte(seq + i)
	}
	return b
}

func checkDatagram(t *testing.T, got []byte, wantSeq int) {
	t.Helper()
	if want := datagram(wantSeq); !bytes.Equal(got, want) {
		t.Fatalf("datagram %d: got %d bytes (seq %d), want %d bytes unmodified",
			wantSeq, len(got), binary.BigEndian.Uint32(got), len(want))
	}
}

func TestDelayOrderAndIntegrity(t *testing.T) {
	const delay = 30 * time.Millisecond
	const count = 50
	n := newNet(t, Link{Delay: delay})
	sim := listenSim(t, n)
	plain := listenPlain(t)

	// Outbound: sim → plain.
	// Send times as offsets from base, atomic because the sockets between
	// writer and reader are invisible to the race detector.
	base := time.Now()
	sentAt := make([]atomic.Int64, count)
	go func() {
		for i := range count {
			sentAt[i].Store(int64(time.Since(base)))
			if _, err := sim.WriteTo(datagram(i), plain.LocalAddr()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	buf := make([]byte, 1500)
	var minOut time.Duration = time.Hour
	for i := range count {
		_ = plain.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, from, err := plain.ReadFrom(buf)
		if err != nil {
			t.Fatalf("outbound datagram %d: %v", i, err)
		}
		got := time.Since(base) - time.Duration(sentAt[i].Load())
		checkDatagram(t, buf[:m], i)
		if from.String() != sim.LocalAddr().String() {
			t.Fatalf("from %v, want %v", from, sim.LocalAddr())
		}
		if got < delay {
			t.Fatalf("outbound datagram %d arrived after %v, want >= %v", i, got, delay)
		}
		minOut = min(minOut, got)
	}

	// Inbound: plain → sim.
	sentAt = make([]atomic.Int64, count)
	go func() {
		for i := range count {
			sentAt[i].Store(int64(time.Since(base)))
			if _, err := plain.WriteTo(datagram(i), sim.LocalAddr()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var minIn time.Duration = time.Hour
	for i := range count {
		_ = sim.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, from, err := sim.ReadFrom(buf)
		if err != nil {
			t.Fatalf("inbound datagram %d: %v", i, err)
		}
		got := time.Since(base) - time.Duration(sentAt[i].Load())
		checkDatagram(t, buf[:m], i)
		if from.String() != plain.LocalAddr().String() {
			t.Fatalf("from %v, want %v", from, plain.LocalAddr())
		}
		if got < delay {
			t.Fatalf("inbound datagram %d arrived after %v, want >= %v", i, got, delay)
		}
		minIn = min(minIn, got)
	}
	t.Logf("delay %v: shortest outbound %v, shortest inbound %v", delay, minOut, minIn)

	c := n.Counters()
	var bytes uint64
	for i := range count {
		bytes += uint64(len(datagram(i)))
	}
	want := DirectionCounters{Offered: count, Delivered: count, OfferedBytes: bytes, DeliveredBytes: bytes}
	if c.Out != want || c.In != want {
		t.Fatalf("counters %+v, want %+v both ways", c, want)
	}
}

func TestRoundTripIsTwiceDelay(t *testing.T) {
	const delay = 20 * time.Millisecond
	n := newNet(t, Link{Delay: delay})
	echo := listenPlain(t)
	go func() {
		buf := make([]byte, 1500)
		for {
			m, from, err := echo.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = echo.WriteTo(buf[:m], from)
		}
	}()
	c, err := n.DialUDP("udp4", nil, echo.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RemoteAddr().String() != echo.LocalAddr().String() {
		t.Fatalf("RemoteAddr %v, want %v", c.RemoteAddr(), echo.LocalAddr())
	}
	buf := make([]byte, 1500)
	for i := range 5 {
		start := time.Now()
		if _, err := c.Write(datagram(i)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		rtt := time.Since(start)
		checkDatagram(t, buf[:m], i)
		if rtt < 2*delay {
			t.Fatalf("round trip %v, want >= %v", rtt, 2*delay)
		}
		t.Logf("round trip %d: %v", i, rtt)
	}
	if _, err := c.WriteTo([]byte("x"), echo.LocalAddr()); !errors.Is(err, net.ErrWriteToConnected) {
		t.Fatalf("WriteTo on a connected socket: %v, want ErrWriteToConnected", err)
	}
}

// sendPaced sends count datagrams from src to dst in batches, waiting after
// each batch until arrived reports the whole batch accounted for, so the
// kernel never drops a datagram of its own and every loss is the link's.
func sendPaced(t *testing.T, src net.PacketConn, dst net.Addr, count int, arrived func() int) {
	t.Helper()
	const batch = 100
	for i := 0; i < count; i += batch {
		for j := i; j < min(i+batch, count); j++ {
			if _, err := src.WriteTo(datagram(j), dst); err != nil {
				t.Fatal(err)
			}
		}
		want := min(i+batch, count)
		waitFor(t, "a batch to arrive", func() bool { return arrived() >= want })
	}
}

// collector reads datagrams from a socket until it is closed and records
// which sequence numbers arrived intact.
type collector struct {
	seen  []bool // written by run only, read after done
	total atomic.Int64
	done  chan struct{}
}

func startCollector(c net.PacketConn, count int) *collector {
	col := &collector{seen: make([]bool, count), done: make(chan struct{})}
	go col.run(c)
	return col
}

func (col *collector) run(c net.PacketConn) {
	defer close(col.done)
	buf := make([]byte, 1500)
	for {
		m, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		seq := int(binary.BigEndian.Uint32(buf))
		if seq < len(col.seen) && bytes.Equal(buf[:m], datagram(seq)) {
			col.seen[seq] = true
		}
		col.total.Add(1)
	}
}

// missing waits for done and returns the sequence numbers that never arrived.
func (col *collector) missing() []int {
	<-col.done
	var out []int
	for i, ok := range col.seen {
		if !ok {
			out = append(out, i)
		}
	}
	return out
}

// outboundDrops sends count datagrams out through a link to a plain socket
// and returns the sequence numbers the link dropped.
func outboundDrops(t *testing.T, link Link, count int) []int {
	t.Helper()
	n, err := NewNet(link)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sim := listenSim(t, n)
	plain := listenPlain(t)
	col := startCollector(plain, count)
	sendPaced(t, sim, plain.LocalAddr(), count, func() int {
		c := n.Counters().Out
		return int(c.Dropped) + int(col.total.Load())
	})
	_ = plain.Close()
	dropped := col.missing()
	// The sender counts a datagram as delivered just after writing it, so
	// the receiver can see it a moment before the counter moves.
	c := n.Counters().Out
	for deadline := time.Now().Add(5 * time.Second); c.Dropped+c.Delivered != c.Offered && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		c = n.Counters().Out
	}
	if int(c.Offered) != count || c.Dropped+c.Delivered != c.Offered {
		t.Fatalf("counters %+v for %d datagrams", c, count)
	}
	if int(c.Dropped) != len(dropped) {
		t.Fatalf("link dropped %d, receiver missed %d", c.Dropped, len(dropped))
	}
	return dropped
}

func TestOutboundLoss(t *testing.T) {
	const count = 2000
	dropped := outboundDrops(t, Link{LossPct: 5, Seed: 42}, count)
	pct := 100 * float64(len(dropped)) / count
	t.Logf("LossPct 5, seed 42: dropped %d of %d (%.2f %%)", len(dropped), count, pct)
	if pct < 3.5 || pct > 6.5 {
		t.Fatalf("dropped %.2f %%, want 5 ± 1.5 %%", pct)
	}

	again := outboundDrops(t, Link{LossPct: 5, Seed: 42}, count)
	if !slices.Equal(dropped, again) {
		t.Fatalf("same seed dropped different datagrams:\n%v\n%v", dropped, again)
	}
	other := outboundDrops(t, Link{LossPct: 5, Seed: 43}, count)
	if slices.Equal(dropped, other) {
		t.Fatalf("seeds 42 and 43 dropped the same datagrams")
	}
}

func TestInboundLoss(t *testing.T) {
	const count = 2000
	n := newNet(t, Link{InLossPct: 10, Seed: 7})
	sim := listenSim(t, n)
	plain := listenPlain(t)
	col := startCollector(sim, count)
	sendPaced(t, plain, sim.LocalAddr(), count, func() int {
		return int(n.Counters().In.Dropped) + int(col.total.Load())
	})
	_ = sim.Close()
	missing := col.missing()
	c := n.Counters().In
	pct := 100 * float64(c.Dropped) / count
	t.Logf("InLossPct 10, seed 7: dropped %d of %d (%.2f %%)", c.Dropped, count, pct)
	if int(c.Offered) != count || int(c.Dropped) != len(missing) || c.Delivered+c.Dropped != c.Offered {
		t.Fatalf("counters %+v, receiver missed %d of %d", c, len(missing), count)
	}
	if pct < 7 || pct > 13 {
		t.Fatalf("dropped %.2f %%, want 10 ± 3 %%", pct)
	}
}

func TestJitterKeepsOrder(t *testing.T) {
	const count = 200
	const delay, jitter = 10 * time.Millisecond, 8 * time.Millisecond
	n := newNet(t, Link{Delay: delay, Jitter: jitter, Seed: 3})
	sim := listenSim(t, n)
	plain := listenPlain(t)
	go func() {
		for i := range count {
			_, _ = sim.WriteTo(datagram(i), plain.LocalAddr())
		}
	}()
	buf := make([]byte, 1500)
	for i := range count {
		_ = plain.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, _, err := plain.ReadFrom(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		checkDatagram(t, buf[:m], i)
	}
}

// TestReadDeadline runs on a virtual network inside a synctest bubble, so
// "the reader is blocked" is a fact established by synctest.Wait rather than
// hoped for after a sleep, and the datagram's delay is exact.
func TestReadDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, b := newVirtualPair(t, Link{Delay: 300 * time.Millisecond})
		sim := listenOn(t, n, vnetIPA)
		plain := listenOn(t, b, vnetIPB)
		buf := make([]byte, 1500)

		// Nothing sent: the read times out.
		_ = sim.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, _, err := sim.ReadFrom(buf)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read with passed deadline: %v, want a timeout", err)
		}

		// A datagram in flight survives a read that times out while waiting for it.
		start := time.Now()
		if _, err := plain.WriteTo(datagram(1), sim.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		_ = sim.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, _, err := sim.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read before the datagram is due: %v, want a timeout", err)
		}
		// A deadline in the past fails at once, even with data pending.
		_ = sim.SetReadDeadline(time.Now().Add(-time.Second))
		if _, _, err := sim.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read with a past deadline: %v, want a timeout", err)
		}
		_ = sim.SetReadDeadline(time.Time{})
		m, _, err := sim.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		checkDatagram(t, buf[:m], 1)
		if got := time.Since(start); got != 300*time.Millisecond {
			t.Fatalf("datagram arrived after %v, want exactly 300ms", got)
		}

		// A deadline set while a read is blocked wakes it.
		errc := make(chan error, 1)
		go func() {
			_, _, err := sim.ReadFrom(buf)
			errc <- err
		}()
		synctest.Wait() // the reader is blocked
		select {
		case err := <-errc:
			t.Fatalf("read returned %v with nothing to read and no deadline", err)
		default:
		}
		_ = sim.SetDeadline(time.Now())
		if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("blocked read: %v, want a timeout", err)
		}
	})
}

func TestCloseStopsEverything(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	n, err := NewNet(Link{Delay: time.Second, LossPct: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sim, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dialed, err := n.Dial("udp4", sim.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()

	// Datagrams in flight both ways, and a reader blocked on them.
	for i := range 20 {
		_, _ = sim.WriteTo(datagram(i), plain.LocalAddr())
		_, _ = plain.WriteTo(datagram(i), sim.LocalAddr())
		_, _ = dialed.Write(datagram(i))
	}
	waitFor(t, "inbound datagrams to enter the link", func() bool { return n.Counters().In.Offered >= 20 })
	errc := make(chan error, 1)
	go func() {
		_, _, err := sim.ReadFrom(make([]byte, 1500))
		errc <- err
	}()

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked read did not return after Close")
	}
	if _, err := sim.WriteTo([]byte("x"), plain.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v, want net.ErrClosed", err)
	}
	if _, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("listen after Close: %v, want net.ErrClosed", err)
	}
	if err := sim.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	sent, dropped, delivered := n.Stats()
	t.Logf("after Close: sent %d, dropped %d, delivered %d", sent, dropped, delivered)
	if sent < 60 || dropped+delivered != sent {
		t.Fatalf("after Close: sent %d, dropped %d, delivered %d; want >= 60 sent, all accounted for", sent, dropped, delivered)
	}
}

func TestTCPPassesThrough(t *testing.T) {
	n := newNet(t, Link{Delay: time.Second, LossPct: 100})
	l, err := n.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write([]byte("hello"))
	}()
	c, err := n.DialTCP("tcp4", nil, l.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

func TestInvalidLink(t *testing.T) {
	for _, link := range []Link{
		{Delay: -1},
		{Jitter: -1},
		{LossPct: -0.1},
		{LossPct: 100.1},
		{InLossPct: math.NaN()},
		{RateKbps: -1},
		{RateKbps: 100, QueueMs: -1},
	} {
		if _, err := NewNet(link); !errors.Is(err, ErrInvalidLink) {
			t.Errorf("NewNet(%+v): %v, want ErrInvalidLink", link, err)
		}
	}
}

func TestSetCutDropsEverythingUntilRestored(t *testing.T) {
	n, err := NewNet(Link{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n.SetCut(true)
	for range 10 {
		if _, err := a.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if c := n.Counters(); c.Out.Dropped != 10 {
		t.Fatalf("cut link dropped %d of 10", c.Out.Dropped)
	}
	n.SetCut(false)
	if _, err := a.WriteTo([]byte("y"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	nr, _, err := b.ReadFrom(buf)
	if err != nil || string(buf[:nr]) != "y" {
		t.Fatalf("after restore: %q %v", buf[:nr], err)
	}
}

// BenchmarkDatagram measures one datagram through two impaired sockets (out
// of one, into the other) with no delay: the per-datagram cost of the link.
func BenchmarkDatagram(b *testing.B) {
	n, err := NewNet(Link{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	src, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	dst, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	type addrPortConn interface {
		ReadFromAddrPort([]byte) (int, netip.AddrPort, error)
		WriteToAddrPort([]byte, netip.AddrPort) (int, error)
	}
	to := dst.LocalAddr().(*net.UDPAddr).AddrPort()
	payload := make([]byte, 1200)
	buf := make([]byte, 1500)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.(addrPortConn).WriteToAddrPort(payload, to); err != nil {
			b.Fatal(err)
		}
		if _, _, err := dst.(addrPortConn).ReadFromAddrPort(buf); err != nil {
			b.Fatal(err)
		}
	}
}
