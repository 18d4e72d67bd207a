package devices

import (
	"github.com/rtcterm/rtcterm/mediacodec"
	"sync"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// loopbackAPI builds a Pion API that connects over 127.0.0.1 only.
func loopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir))
}

// linkPeer connects a new sender PeerConnection carrying m's two tracks to a
// new receiver, as rtc does for each remote peer. PLI/FIR from the receiver
// reach m.RequestKeyFrame. onTrack runs in its own goroutine per remote
// track and must return when reading fails. Both connections are closed at
// cleanup, before m (registered earlier) is closed.
func linkPeer(t testing.TB, api *webrtc.API, m *Media, onTrack func(*webrtc.TrackRemote)) {
	t.Helper()
	send, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	recv, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = send.Close()
		_ = recv.Close()
		wg.Wait()
	})
	for _, tr := range []webrtc.TrackLocal{m.AudioTrack(), m.VideoTrack()} {
		s, err := send.AddTrack(tr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = mediacodec.ForwardKeyFrameRequests(s, m.RequestKeyFrame) }()
	}
	recv.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Ask for a key frame as a real receiver does on a new track.
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				_ = recv.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}})
			}
			onTrack(tr)
		}()
	})
	offer, err := send.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(send)
	if err := send.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := recv.SetRemoteDescription(*send.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := recv.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(recv)
	if err := recv.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := send.SetRemoteDescription(*recv.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "peer connection connected", func() bool {
		return send.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
}
