package netsim_test

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/rtcterm/rtcterm/netsim"
)

// A bot behind a link with about 150 ms of round-trip time and 3 % loss each
// way. Close the peer connection before the Net.
func ExampleNewNet() {
	link, err := netsim.NewNet(netsim.Link{Delay: 75 * time.Millisecond, LossPct: 3, InLossPct: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer link.Close()

	var se webrtc.SettingEngine
	se.SetNet(link)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pc.Close()

	// ... signal as usual; GetStats then reports the link's RTT and loss.
	sent, dropped, delivered := link.Stats()
	fmt.Println(sent, dropped, delivered)
	// Output: 0 0 0
}

// A bot behind a 400 kbps access link with a 200 ms drop-tail queue and 20 ms
// each way, shared by all its peer connections. The counters give what the
// link carried and how full its queue got.
func ExampleLink_rateCap() {
	link, err := netsim.NewNet(netsim.Link{Delay: 20 * time.Millisecond, RateKbps: 400, QueueMs: 200})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer link.Close()

	// ... se.SetNet(link) and call as above; then, every second:
	out := link.Counters().Out
	wireKbit := float64(8*(out.DeliveredBytes+28*out.Delivered)) / 1000
	fmt.Println(wireKbit, out.QueueDropped, out.QueueDelay, out.MaxQueueDelay)
	// Output: 0 0 0s 0s
}
