package rtc

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/signal"
)

// bareReceiver is a plain Pion peer connection that joins the room through
// the signaling protocol, answers offers and only receives. It registers
// no interceptors and never sends a picture loss indication, like a
// receiver (aiortc) that does not ask for a key frame at stream start.
type bareReceiver struct {
	client *signal.Client
	pc     *webrtc.PeerConnection

	mu        sync.Mutex
	peer      string      // the sender's peer id
	iceUps    []time.Time // each time ICE reached connected
	connected time.Time   // peer connection connected (DTLS up)
	keyFrames []time.Time // first packets of received VP8 key frames
}

func startBareReceiver(t *testing.T, url string, httpClient *http.Client, net *vnet.Net) *bareReceiver {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNet(net)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.LoggerFactory = &logging.DefaultLoggerFactory{Writer: io.Discard}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	r := &bareReceiver{pc: pc, client: signal.NewClient(signal.ClientConfig{URL: url, HTTPClient: httpClient, Join: signal.Join{Room: "kf", UserName: "bare"}, Logger: discardLogger()})}
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected {
			r.mu.Lock()
			r.iceUps = append(r.iceUps, time.Now())
			r.mu.Unlock()
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			r.mu.Lock()
			if r.connected.IsZero() {
				r.connected = time.Now()
			}
			r.mu.Unlock()
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if _, _, ok := vp8KeyFrameSize(pkt); ok {
				r.mu.Lock()
				r.keyFrames = append(r.keyFrames, time.Now())
				r.mu.Unlock()
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = r.client.Run(ctx) }()
	go func() { defer wg.Done(); r.signal(ctx) }()
	t.Cleanup(func() {
		_ = pc.Close()
		cancel()
		_ = r.client.Close()
		wg.Wait()
	})
	return r
}

// signal answers offers and trickles candidates both ways.
func (r *bareReceiver) signal(ctx context.Context) {
	r.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		r.mu.Lock()
		peer := r.peer
		r.mu.Unlock()
		if c == nil || peer == "" {
			return
		}
		init := c.ToJSON()
		_ = r.client.Send(ctx, &signal.ICECandidate{To: peer, Candidate: signal.CandidateInit{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment}})
	})
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-r.client.Messages():
			if !ok {
				return
			}
			switch m := m.(type) {
			case *signal.Welcome:
				_ = r.client.Send(ctx, &signal.ReadyForOffer{})
			case *signal.Offer:
				r.mu.Lock()
				r.peer = m.From
				r.mu.Unlock()
				if err := r.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
					continue
				}
				ans, err := r.pc.CreateAnswer(nil)
				if err != nil || r.pc.SetLocalDescription(ans) != nil {
					continue
				}
				_ = r.client.Send(ctx, &signal.Answer{To: m.From, SDP: ans.SDP})
			case *signal.ICECandidate:
				c := m.Candidate
				_ = r.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment})
			}
		}
	}
}

// TestKeyFrameForReceiverThatNeverAsks: a receiver that never sends PLI
// sees its first key frame within 1 s of connecting, and again within 1 s
// of an ICE restart. The sender's encoder makes key frames only when asked
// (or every 10 s), and its first one went out before anyone could decrypt
// it, so only the session's own request on connect can explain it.
func TestKeyFrameForReceiverThatNeverAsks(t *testing.T) {
	testKeyFrameForReceiverThatNeverAsks(t, sharedEncoding)
}

// TestLayeredKeyFrameForReceiverThatNeverAsks: the same with layered
// media, where the key frames come from the layer the receiver gets (the
// low one, as for every new peer).
func TestLayeredKeyFrameForReceiverThatNeverAsks(t *testing.T) {
	testKeyFrameForReceiverThatNeverAsks(t, twoLayers)
}

func testKeyFrameForReceiverThatNeverAsks(t *testing.T, kind mediaKind) {
	synctest.Test(t, func(t *testing.T) {
		url, httpClient := startPipeServer(t)
		router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", MinDelay: 20 * time.Millisecond, LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard}})
		if err != nil {
			t.Fatal(err)
		}
		var nets [2]*vnet.Net
		for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
			if nets[i], err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}}); err != nil {
				t.Fatal(err)
			}
			if err := router.AddNet(nets[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := router.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = router.Stop() })

		cfg := testConfig(url, "kf", "sender", nil)
		cfg.Signal.HTTPClient, cfg.Net = httpClient, nets[0]
		var sender *member
		var keyAsks func() int64
		if kind == twoLayers {
			lm := newLayeredMedia(800)
			cfg.OpenMedia = layeredOpener(lm)
			sender = startOpenedMember(t, cfg, lm.Close)
			keyAsks = func() int64 { l, _ := lm.layer(mediacodec.LayerLow); return int64(l.keyAsks) }
		} else {
			rm := newRateMedia(800, 30)
			sender = startRateMember(t, cfg, rm)
			keyAsks = rm.keyAsks.Load
		}
		waitFor(t, 10*time.Second, "sender joined", func() bool { return peerIDOf(sender) != "" })
		time.Sleep(2 * time.Second) // the encoder's first key frame is long gone
		r := startBareReceiver(t, url, httpClient, nets[1])

		firstKeyAfter := func(since time.Time) (time.Duration, bool) {
			r.mu.Lock()
			defer r.mu.Unlock()
			for _, k := range r.keyFrames {
				if !k.Before(since) {
					return k.Sub(since), true
				}
			}
			return 0, false
		}
		waitFor(t, 20*time.Second, "receiver connected", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return !r.connected.IsZero()
		})
		r.mu.Lock()
		connected := r.connected
		r.mu.Unlock()
		time.Sleep(time.Second)
		d, ok := firstKeyAfter(connected)
		if !ok || d > time.Second {
			t.Fatalf("no key frame within 1 s of connecting (first after %v, found %v); key frame requests %d", d, ok, keyAsks())
		}
		t.Logf("first key frame %v after connecting", d)

		// An ICE restart from the sender: the receiver's ICE reconnects and
		// the sender makes a key frame for it, well before the periodic one.
		time.Sleep(3 * time.Second)
		if err := sender.s.Retry(r.senderSideID(t, sender)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 20*time.Second, "ICE restart", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.iceUps) >= 2
		})
		r.mu.Lock()
		restarted := r.iceUps[1]
		r.mu.Unlock()
		time.Sleep(time.Second)
		if d, ok := firstKeyAfter(restarted); !ok || d > time.Second {
			t.Fatalf("no key frame within 1 s of the ICE restart (first after %v, found %v)", d, ok)
		} else {
			t.Logf("key frame %v after the ICE restart", d)
		}
	})
}

// senderSideID is the receiver's peer id as the sender knows it.
func (r *bareReceiver) senderSideID(t *testing.T, sender *member) string {
	t.Helper()
	for id := range sender.snapshot().Connections {
		return id
	}
	t.Fatal("sender knows no peer")
	return ""
}
