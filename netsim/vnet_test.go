package netsim

import (
	"io"
	"net"
	"testing"

	"github.com/pion/logging"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/vnet"
)

var (
	vnetIPA = net.IPv4(10, 0, 0, 1)
	vnetIPB = net.IPv4(10, 0, 0, 2)
)

// newVirtualPair returns a Net behind link on host A of a pion virtual
// network and the unimpaired host B, joined by a router without delay of its
// own. Their sockets block only on channels and timers, so inside a
// testing/synctest bubble every delay is exact and costs no wall time.
func newVirtualPair(t *testing.T, link Link) (a *Net, b transport.Net) {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{
		CIDR:          "10.0.0.0/24",
		LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard},
	})
	if err != nil {
		t.Fatal(err)
	}
	netA, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{vnetIPA.String()}})
	if err != nil {
		t.Fatal(err)
	}
	netB, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{vnetIPB.String()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*vnet.Net{netA, netB} {
		if err := router.AddNet(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() }) // after the sockets (cleanups run last-in first-out)
	a, err = NewNetOn(netA, link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a, netB
}

// listenOn opens a UDP socket on ip of tn, closed when the test ends.
func listenOn(t *testing.T, tn transport.Net, ip net.IP) transport.UDPConn {
	t.Helper()
	c, err := tn.ListenUDP("udp4", &net.UDPAddr{IP: ip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
