package netsim

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/deadline"
)

const (
	// queueLen bounds the datagrams in flight per socket and direction; a
	// datagram that finds its queue full is dropped, as by a full socket buffer.
	queueLen = 2048
	// pooledBufSize fits every datagram Pion sends (its MTU is 1200 bytes);
	// larger ones get a buffer of their own.
	pooledBufSize = 2048
	// maxDatagram is the largest UDP payload.
	maxDatagram = 65535
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, pooledBufSize)
	return &b
}}

func getBuf(n int) *[]byte {
	if n > pooledBufSize {
		b := make([]byte, n)
		return &b
	}
	return bufPool.Get().(*[]byte)
}

func putBuf(b *[]byte) {
	if cap(*b) == pooledBufSize {
		bufPool.Put(b)
	}
}

// packet is a datagram in flight. A packet with err set carries a socket error
// to the reader in order with the datagrams around it.
type packet struct {
	buf  *[]byte
	n    int
	addr netip.AddrPort // invalid for a connected socket's Write
	due  time.Time
	err  error
}

func (p *packet) data() []byte { return (*p.buf)[:p.n] }

// udpConn is a UDP socket behind the Net's link. Sent datagrams wait in out
// until due and are written by sendLoop; received datagrams are read by
// receiveLoop and wait in in until due, when a reader takes them.
type udpConn struct {
	n         *Net
	raw       transport.UDPConn
	fast      addrPortConn // raw without allocating addresses, when it can
	connected bool
	done      chan struct{}
	wg        sync.WaitGroup

	outMu   sync.Mutex // orders admission into out; guards lastOut and closed
	lastOut time.Time
	closed  bool
	out     chan packet

	in           chan packet
	readDeadline *deadline.Deadline
	readSlot     chan struct{} // held by the one reader allowed at a time; guards head and readTimer
	head         packet
	hasHead      bool
	readTimer    *time.Timer

	outLoss, inLoss *lossPattern // this socket's own loss blocks

	closeOnce sync.Once
}

var (
	_ transport.UDPConn = (*udpConn)(nil)
	_ net.Conn          = (*udpConn)(nil)
)

func newUDPConn(n *Net, raw transport.UDPConn) *udpConn {
	seed := uint64(n.link.Seed) + n.sockets.Add(1)*0x9e3779b97f4a7c15
	fast, _ := raw.(addrPortConn)
	c := &udpConn{
		n:            n,
		outLoss:      newLossPattern(seed),
		inLoss:       newLossPattern(^seed),
		raw:          raw,
		fast:         fast,
		connected:    raw.RemoteAddr() != nil,
		done:         make(chan struct{}),
		out:          make(chan packet, queueLen),
		in:           make(chan packet, queueLen),
		readDeadline: deadline.New(),
		readSlot:     make(chan struct{}, 1),
		readTimer:    time.NewTimer(time.Hour),
	}
	c.readTimer.Stop()
	c.wg.Add(2)
	go c.sendLoop()
	go c.receiveLoop()
	return c
}

// send admits one outbound datagram and queues a copy of it.
func (c *udpConn) send(b []byte, addr netip.AddrPort) (int, error) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.closed {
		return 0, c.opError("write", net.ErrClosed)
	}
	due, ok := c.n.out.admit(time.Now(), len(b), c.outLoss)
	if !ok {
		return len(b), nil
	}
	if due.Before(c.lastOut) {
		due = c.lastOut
	}
	c.lastOut = due
	buf := getBuf(len(b))
	p := packet{buf: buf, n: copy(*buf, b), addr: addr, due: due}
	select {
	case c.out <- p:
	default:
		putBuf(buf)
		c.n.out.dropped.Add(1)
	}
	return len(b), nil
}

func (c *udpConn) sendLoop() {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	timer.Stop()
	for {
		var p packet
		select {
		case <-c.done:
			return
		case p = <-c.out:
		}
		if wait := time.Until(p.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-c.done:
				putBuf(p.buf)
				c.n.out.dropped.Add(1)
				return
			case <-timer.C:
			}
		}
		var err error
		if p.addr.IsValid() {
			_, err = c.writeTo(p.data(), p.addr)
		} else {
			_, err = c.raw.Write(p.data())
		}
		putBuf(p.buf)
		if err != nil {
			c.n.out.dropped.Add(1)
		} else {
			c.n.out.deliver(p.n)
		}
	}
}

func (c *udpConn) receiveLoop() {
	defer c.wg.Done()
	scratch := make([]byte, maxDatagram)
	var last time.Time
	for {
		n, addr, err := c.readFrom(scratch)
		now := time.Now()
		if err != nil {
			if c.isDone() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Hand the error (an ICMP error on a connected socket, say) to
			// the reader and keep reading, as the socket itself would.
			select {
			case c.in <- packet{err: err, due: now}:
			case <-c.done:
				return
			}
			continue
		}
		due, ok := c.n.in.admit(now, n, c.inLoss)
		if !ok {
			continue
		}
		if due.Before(last) {
			due = last
		}
		last = due
		buf := getBuf(n)
		p := packet{buf: buf, n: copy(*buf, scratch[:n]), addr: addr, due: due}
		select {
		case c.in <- p:
		default:
			putBuf(buf)
			c.n.in.dropped.Add(1)
		}
	}
}

// addrPortConn is the allocation-free half of *net.UDPConn's API.
type addrPortConn interface {
	ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort([]byte, netip.AddrPort) (int, error)
}

// readFrom reads a datagram from the socket under the link.
func (c *udpConn) readFrom(b []byte) (int, netip.AddrPort, error) {
	if c.fast != nil {
		return c.fast.ReadFromUDPAddrPort(b)
	}
	n, addr, err := c.raw.ReadFrom(b)
	ua, ok := addr.(*net.UDPAddr)
	if err != nil || !ok {
		if err == nil {
			err = transport.ErrNotUDPAddress
		}
		return n, netip.AddrPort{}, err
	}
	ap := ua.AddrPort()
	return n, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// writeTo writes a datagram to the socket under the link.
func (c *udpConn) writeTo(b []byte, addr netip.AddrPort) (int, error) {
	if c.fast != nil {
		return c.fast.WriteToUDPAddrPort(b, addr)
	}
	return c.raw.WriteTo(b, net.UDPAddrFromAddrPort(addr))
}

func (c *udpConn) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// receive returns the next datagram once it is due, honouring the read
// deadline and Close.
func (c *udpConn) receive(b []byte) (int, netip.AddrPort, error) {
	select {
	case c.readSlot <- struct{}{}:
	case <-c.done:
		return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
	case <-c.readDeadline.Done():
		return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
	}
	defer func() { <-c.readSlot }()

	// A passed deadline or a closed socket wins over data that is ready, as
	// with a real socket.
	select {
	case <-c.done:
		return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
	case <-c.readDeadline.Done():
		return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
	default:
	}
	if !c.hasHead {
		select {
		case c.head = <-c.in:
			c.hasHead = true
		case <-c.done:
			return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
		case <-c.readDeadline.Done():
			return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
		}
	}
	if wait := time.Until(c.head.due); wait > 0 {
		c.readTimer.Reset(wait)
		select {
		case <-c.readTimer.C:
		case <-c.done:
			c.readTimer.Stop()
			return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
		case <-c.readDeadline.Done():
			c.readTimer.Stop()
			return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
		}
	}
	p := c.head
	c.head, c.hasHead = packet{}, false
	if p.err != nil {
		return 0, netip.AddrPort{}, p.err
	}
	n := copy(b, p.data())
	c.n.in.deliver(p.n)
	putBuf(p.buf)
	return n, p.addr, nil
}

func (c *udpConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.raw.LocalAddr().Network(), Source: c.raw.LocalAddr(), Addr: c.raw.RemoteAddr(), Err: err}
}

// Close closes the socket, discards the datagrams in flight and waits for the
// socket's goroutines to end.
func (c *udpConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.outMu.Lock()
		c.closed = true
		c.outMu.Unlock()
		close(c.done)
		err = c.raw.Close()
		c.wg.Wait()
		c.n.forget(c)

		c.readSlot <- struct{}{} // wait out a reader still returning
		if c.hasHead {
			c.discard(c.head, c.n.in)
			c.head, c.hasHead = packet{}, false
		}
		<-c.readSlot
		c.drain(c.in, c.n.in)
		c.drain(c.out, c.n.out)
	})
	if err != nil {
		return c.opError("close", err)
	}
	return nil
}

func (c *udpConn) drain(q chan packet, d *direction) {
	for {
		select {
		case p := <-q:
			c.discard(p, d)
		default:
			return
		}
	}
}

func (c *udpConn) discard(p packet, d *direction) {
	if p.err == nil {
		putBuf(p.buf)
		d.dropped.Add(1)
	}
}

// ReadFrom reads the next datagram once its delay has passed.
func (c *udpConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, ap, err := c.receive(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// ReadFromUDP is ReadFrom with the sender as a *net.UDPAddr.
func (c *udpConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, ap, err := c.receive(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// ReadFromAddrPort is ReadFrom without allocating the address; Pion's ICE uses
// it when present.
func (c *udpConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return c.receive(b)
}

// ReadMsgUDP reads a datagram; out-of-band data is not simulated, so oobn and
// flags are always 0.
func (c *udpConn) ReadMsgUDP(b, _ []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	n, addr, err = c.ReadFromUDP(b)
	return n, 0, 0, addr, err
}

// Read reads a datagram from a connected socket.
func (c *udpConn) Read(b []byte) (int, error) {
	n, _, err := c.receive(b)
	return n, err
}

// WriteTo queues a datagram to addr behind the link.
func (c *udpConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, c.opError("write", transport.ErrNotUDPAddress)
	}
	return c.WriteToUDP(b, ua)
}

// WriteToUDP queues a datagram to addr behind the link.
func (c *udpConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	if addr == nil {
		return 0, c.opError("write", errMissingAddress)
	}
	return c.WriteToAddrPort(b, addr.AddrPort())
}

// WriteToAddrPort queues a datagram to addr without allocating; Pion's ICE
// uses it when present.
func (c *udpConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if c.connected {
		return 0, c.opError("write", net.ErrWriteToConnected)
	}
	if !addr.IsValid() {
		return 0, c.opError("write", errMissingAddress)
	}
	return c.send(b, addr)
}

// WriteMsgUDP queues a datagram; out-of-band data is ignored.
func (c *udpConn) WriteMsgUDP(b, _ []byte, addr *net.UDPAddr) (n, oobn int, err error) {
	if addr == nil {
		n, err = c.Write(b)
	} else {
		n, err = c.WriteToUDP(b, addr)
	}
	return n, 0, err
}

// Write queues a datagram to a connected socket's peer.
func (c *udpConn) Write(b []byte) (int, error) {
	if !c.connected {
		return 0, c.opError("write", errMissingAddress)
	}
	return c.send(b, netip.AddrPort{})
}

var errMissingAddress = errors.New("missing address")

// LocalAddr returns the socket's local address.
func (c *udpConn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// RemoteAddr returns a connected socket's peer address, or nil.
func (c *udpConn) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *udpConn) SetDeadline(t time.Time) error {
	c.readDeadline.Set(t)
	return c.raw.SetWriteDeadline(t)
}

// SetReadDeadline sets when pending and future reads time out.
func (c *udpConn) SetReadDeadline(t time.Time) error {
	c.readDeadline.Set(t)
	return nil
}

// SetWriteDeadline sets the deadline of the delayed writes to the socket.
// Writes into the link never block.
func (c *udpConn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

// SetReadBuffer sets the kernel receive buffer size.
func (c *udpConn) SetReadBuffer(bytes int) error { return c.raw.SetReadBuffer(bytes) }

// SetWriteBuffer sets the kernel send buffer size.
func (c *udpConn) SetWriteBuffer(bytes int) error { return c.raw.SetWriteBuffer(bytes) }
