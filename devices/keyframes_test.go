package devices

import (
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// forwardKeyFrameRequests does for the tests what rtc does in a call: it
// reads a sender's RTCP until the sender closes and calls onRequest for
// every picture-loss indication or full-intra request. devices must not
// import rtc, so the tests keep this small copy of their own.
func forwardKeyFrameRequests(sender *webrtc.RTPSender, onRequest func()) error {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return err
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				onRequest()
			}
		}
	}
}
