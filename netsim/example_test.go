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
