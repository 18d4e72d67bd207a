package netsim

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// Net is a [transport.Net] on the host's real network stack (or on another
// transport.Net, see [NewNetOn]) whose UDP sockets sit behind a simulated
// [Link]. Every UDP socket it opens (ListenUDP,
// ListenPacket, DialUDP, Dial, and those made through CreateDialer and
// CreateListenConfig) is impaired; TCP passes through. Close it after the
// peer connections that use it.
type Net struct {
	std  transport.Net
	link Link
	out  *direction
	in   *direction

	sockets atomic.Uint64 // sockets opened, to give each its own loss seed

	mu     sync.Mutex // guards conns and closed
	conns  map[*udpConn]struct{}
	closed bool
}

// NewNet returns a Net on the host's network stack whose UDP sockets sit
// behind link.
func NewNet(link Link) (*Net, error) {
	if err := link.validate(); err != nil {
		return nil, err
	}
	std, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("netsim: %w", err)
	}
	return NewNetOn(std, link)
}

// NewNetOn returns a Net whose UDP sockets are base's, behind link. With a
// pion vnet.Net as base every socket blocks only on channels and timers, so
// the whole link, rate cap included, runs on virtual time inside a
// testing/synctest bubble; a host socket's blocking read would stop virtual
// time from advancing.
func NewNetOn(base transport.Net, link Link) (*Net, error) {
	if err := link.validate(); err != nil {
		return nil, err
	}
	seed := uint64(link.Seed)
	n := &Net{
		std:   base,
		link:  link,
		out:   newDirection(link, link.LossPct, seed),
		in:    newDirection(link, link.InLossPct, ^seed),
		conns: make(map[*udpConn]struct{}),
	}
	if link.SharedRate && n.out.rate != nil {
		n.in.rate = n.out.rate
	}
	return n, nil
}

// SetCut takes the link down (every datagram dropped, both ways) or brings
// it back, to simulate an outage.
func (n *Net) SetCut(down bool) {
	n.out.cut.Store(down)
	n.in.cut.Store(down)
}

// SetRateKbps changes the rate cap of both directions, as a link that
// widens or narrows during a call. The Net must have been created with a
// rate cap (Link.RateKbps > 0) and kbps must be positive; otherwise it
// returns ErrInvalidLink and changes nothing. Link keeps reporting the
// rate the Net was created with.
func (n *Net) SetRateKbps(kbps int) error {
	if kbps <= 0 || n.out.rate == nil || n.in.rate == nil {
		return fmt.Errorf("%w: rate %d kbps on a link created with RateKbps %d", ErrInvalidLink, kbps, n.link.RateKbps)
	}
	n.out.rate.setRate(kbps)
	n.in.rate.setRate(kbps) // the same call twice when the rate is shared
	return nil
}

// Link returns the impairment this Net was created with.
func (n *Net) Link() Link { return n.link }

// Close closes every socket the Net opened, discarding datagrams still in
// flight, and waits for their goroutines to end. Opening a socket afterwards
// fails with net.ErrClosed.
func (n *Net) Close() error {
	n.mu.Lock()
	n.closed = true
	conns := make([]*udpConn, 0, len(n.conns))
	for c := range n.conns {
		conns = append(conns, c)
	}
	n.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return nil
}

// Stats returns the datagrams that entered the link in either direction, those
// it dropped, and those it delivered. Once every socket is closed,
// sent == dropped + delivered.
func (n *Net) Stats() (sent, dropped, delivered uint64) {
	c := n.Counters()
	return c.Out.Offered + c.In.Offered, c.Out.Dropped + c.In.Dropped, c.Out.Delivered + c.In.Delivered
}

// Counters returns the datagram and byte counts per direction, and the rate
// cap's queue as it is now.
func (n *Net) Counters() Counters {
	now := time.Now()
	return Counters{Out: n.out.counters(now), In: n.in.counters(now)}
}

// wrap puts a freshly opened socket behind the link. Anything other than a
// UDP socket is returned unchanged.
func (n *Net) wrap(c any, err error) (any, error) {
	if err != nil {
		return c, err
	}
	raw, ok := c.(transport.UDPConn)
	if !ok {
		return c, nil
	}
	if _, udp := raw.LocalAddr().(*net.UDPAddr); !udp {
		return c, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		_ = raw.Close()
		return nil, &net.OpError{Op: "listen", Net: raw.LocalAddr().Network(), Addr: raw.LocalAddr(), Err: net.ErrClosed}
	}
	uc := newUDPConn(n, raw)
	n.conns[uc] = struct{}{}
	return uc, nil
}

func (n *Net) forget(c *udpConn) {
	n.mu.Lock()
	delete(n.conns, c)
	n.mu.Unlock()
}

func (n *Net) wrapPacketConn(c net.PacketConn, err error) (net.PacketConn, error) {
	w, err := n.wrap(c, err)
	if err != nil {
		return nil, err
	}
	return w.(net.PacketConn), nil
}

func (n *Net) wrapUDPConn(c transport.UDPConn, err error) (transport.UDPConn, error) {
	w, err := n.wrap(c, err)
	if err != nil {
		return nil, err
	}
	return w.(transport.UDPConn), nil
}

func (n *Net) wrapConn(c net.Conn, err error) (net.Conn, error) {
	w, err := n.wrap(c, err)
	if err != nil {
		return nil, err
	}
	return w.(net.Conn), nil
}

// ListenPacket opens a packet socket; UDP sockets are impaired.
func (n *Net) ListenPacket(network, address string) (net.PacketConn, error) {
	return n.wrapPacketConn(n.std.ListenPacket(network, address))
}

// ListenUDP opens an impaired UDP socket.
func (n *Net) ListenUDP(network string, locAddr *net.UDPAddr) (transport.UDPConn, error) {
	return n.wrapUDPConn(n.std.ListenUDP(network, locAddr))
}

// ListenTCP opens an unimpaired TCP listener.
func (n *Net) ListenTCP(network string, laddr *net.TCPAddr) (transport.TCPListener, error) {
	return n.std.ListenTCP(network, laddr)
}

// Dial connects to address; UDP connections are impaired.
func (n *Net) Dial(network, address string) (net.Conn, error) {
	return n.wrapConn(n.std.Dial(network, address))
}

// DialUDP opens an impaired, connected UDP socket.
func (n *Net) DialUDP(network string, laddr, raddr *net.UDPAddr) (transport.UDPConn, error) {
	return n.wrapUDPConn(n.std.DialUDP(network, laddr, raddr))
}

// DialTCP opens an unimpaired TCP connection.
func (n *Net) DialTCP(network string, laddr, raddr *net.TCPAddr) (transport.TCPConn, error) {
	return n.std.DialTCP(network, laddr, raddr)
}

// ResolveIPAddr resolves an IP address with the host resolver.
func (n *Net) ResolveIPAddr(network, address string) (*net.IPAddr, error) {
	return n.std.ResolveIPAddr(network, address)
}

// ResolveUDPAddr resolves a UDP address with the host resolver.
func (n *Net) ResolveUDPAddr(network, address string) (*net.UDPAddr, error) {
	return n.std.ResolveUDPAddr(network, address)
}

// ResolveTCPAddr resolves a TCP address with the host resolver.
func (n *Net) ResolveTCPAddr(network, address string) (*net.TCPAddr, error) {
	return n.std.ResolveTCPAddr(network, address)
}

// Interfaces lists the host's network interfaces.
func (n *Net) Interfaces() ([]*transport.Interface, error) {
	return n.std.Interfaces()
}

// InterfaceByIndex returns the host interface with the given index.
func (n *Net) InterfaceByIndex(index int) (*transport.Interface, error) {
	return n.std.InterfaceByIndex(index)
}

// InterfaceByName returns the host interface with the given name.
func (n *Net) InterfaceByName(name string) (*transport.Interface, error) {
	return n.std.InterfaceByName(name)
}

// CreateDialer returns a dialer whose UDP connections are impaired.
func (n *Net) CreateDialer(d *net.Dialer) transport.Dialer {
	return dialer{n: n, inner: n.std.CreateDialer(d)}
}

// CreateListenConfig returns a listen config whose UDP sockets are impaired.
func (n *Net) CreateListenConfig(lc *net.ListenConfig) transport.ListenConfig {
	return listenConfig{n: n, inner: n.std.CreateListenConfig(lc)}
}

type dialer struct {
	n     *Net
	inner transport.Dialer
}

func (d dialer) Dial(network, address string) (net.Conn, error) {
	return d.n.wrapConn(d.inner.Dial(network, address))
}

type listenConfig struct {
	n     *Net
	inner transport.ListenConfig
}

func (l listenConfig) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	return l.inner.Listen(ctx, network, address)
}

func (l listenConfig) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	return l.n.wrapPacketConn(l.inner.ListenPacket(ctx, network, address))
}
