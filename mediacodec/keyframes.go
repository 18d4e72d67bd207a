package mediacodec

import (
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// ForwardKeyFrameRequests reads a sender's RTCP until the sender closes and
// calls onRequest for every picture-loss indication or full-intra request,
// so the peer's request reaches the one shared encoder (with encode-once
// nobody else reads these senders' RTCP). It returns the read error that
// ended it.
func ForwardKeyFrameRequests(sender *webrtc.RTPSender, onRequest func()) error {
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
