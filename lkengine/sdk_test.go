package lkengine

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/store"
)

// sdkBot is a participant made with LiveKit's own Go SDK, the reference
// client: it publishes a VP8 camera track and counts what it receives.
type sdkBot struct {
	room            *lksdk.Room
	audio, video    atomic.Int64 // packets received from rtcterm
	micMuted        chan struct{}
	screenPublished chan struct{}
	rtctermLeft     chan struct{}
	stop            chan struct{}
	wg              sync.WaitGroup
	sawSources      sync.Map // track source seen from rtcterm
}

func signalOnce(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func joinSDKBot(t *testing.T, url, room, identity, name, watchFor string) *sdkBot {
	t.Helper()
	b := &sdkBot{micMuted: make(chan struct{}, 1), rtctermLeft: make(chan struct{}, 1), stop: make(chan struct{})}
	cb := &lksdk.RoomCallback{
		OnParticipantDisconnected: func(rp *lksdk.RemoteParticipant) {
			if rp.Identity() == watchFor {
				signalOnce(b.rtctermLeft)
			}
		},
		ParticipantCallback: lksdk.ParticipantCallback{
			OnTrackSubscribed: func(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
				if rp.Identity() != watchFor {
					return
				}
				b.wg.Add(1)
				go func() {
					defer b.wg.Done()
					for {
						if _, _, err := track.ReadRTP(); err != nil {
							return
						}
						if track.Kind() == webrtc.RTPCodecTypeAudio {
							b.audio.Add(1)
						} else {
							b.video.Add(1)
						}
					}
				}()
			},
			OnTrackMuted: func(pub lksdk.TrackPublication, p lksdk.Participant) {
				if p.Identity() == watchFor && pub.Source() == livekit.TrackSource_MICROPHONE {
					signalOnce(b.micMuted)
				}
			},
		},
	}
	r, err := lksdk.ConnectToRoom(url, lksdk.ConnectInfo{APIKey: testKey, APISecret: testSecret, RoomName: room, ParticipantIdentity: identity, ParticipantName: name}, cb)
	if err != nil {
		t.Fatalf("LiveKit SDK join: %v", err)
	}
	b.room = r
	vt, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.LocalParticipant.PublishTrack(vt, &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: fakeWidth, VideoHeight: fakeHeight}); err != nil {
		t.Fatalf("LiveKit SDK publish: %v", err)
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(time.Second / fakeFPS)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-b.stop:
				return
			case <-tick.C:
				_ = vt.WriteSample(media.Sample{Data: fakeVP8(n%fakeFPS == 0, n), Duration: time.Second / fakeFPS}, nil)
			}
		}
	}()
	t.Cleanup(b.leave)
	return b
}

func (b *sdkBot) leave() {
	if b.room == nil {
		return
	}
	close(b.stop)
	b.room.Disconnect()
	b.wg.Wait()
	b.room = nil
}

func waitChan(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(joinTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// rtcterm's engine with LiveKit's own SDK as the other participant: we get
// its video (with its picture size), it gets our audio and video, our mute
// and screen share show as LiveKit mute and a screen-share publication, its
// name reaches the state sanitized, and our leaving is seen.
func TestWithLiveKitSDKParticipant(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	me := joinEngine(t, n.URL, "sdk", "rtcterm")
	bot := joinSDKBot(t, n.URL, "sdk", "sdkbot", "SDK \x1b[31mbot\u202e", "rtcterm")

	waitFor(t, joinTimeout, "sdkbot connected", func() bool { return me.w.peerIs("sdkbot", store.StatusConnected) })
	waitFor(t, joinTimeout, "sdkbot's camera", func() bool {
		c, _ := me.w.peer("sdkbot")
		return c.Media == store.MediaState{Known: true, Video: true}
	})
	c, _ := me.w.peer("sdkbot")
	if strings.ContainsAny(c.UserName, "\x1b\u202e") || !strings.HasPrefix(c.UserName, "SDK ") {
		t.Errorf("name %q: want it without control or bidi characters", c.UserName)
	}
	waitFor(t, joinTimeout, "sdkbot's video at our sink", func() bool { return me.video.count("sdkbot") > 60 })
	waitFor(t, joinTimeout, "our audio and video at sdkbot", func() bool { return bot.audio.Load() > 50 && bot.video.Load() > 60 })
	st, err := me.e.CollectStats(t.Context(), "sdkbot")
	if err != nil {
		t.Fatal(err)
	}
	if st.Width != fakeWidth || st.Height != fakeHeight || st.VideoCodec != "VP8" {
		t.Errorf("stats of sdkbot %dx%d %q, want %dx%d VP8", st.Width, st.Height, st.VideoCodec, fakeWidth, fakeHeight)
	}

	if err := me.e.SetAudio(false); err != nil {
		t.Fatal(err)
	}
	waitChan(t, bot.micMuted, "our microphone muted at sdkbot")

	if err := me.e.SetScreenShare(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, joinTimeout, "our screen share publication at sdkbot", func() bool {
		rp := bot.room.GetParticipantByIdentity("rtcterm")
		return rp != nil && rp.IsScreenShareEnabled()
	})
	if !me.media.screen.Load() {
		t.Error("the media was not switched to the screen")
	}
	waitFor(t, 5*time.Second, "our own screen-share switch", func() bool { s, _ := me.w.snapshot(); return s.ScreenSharing })

	me.leave(t)
	waitChan(t, bot.rtctermLeft, "sdkbot seeing us leave")

	// A share that was running before the engine started (on the mesh,
	// before a handover) is published as a screen share from the start.
	sharer := joinEngineWith(t, n.URL, "sdk", "sharer", func(m *fakeMedia) { m.screen.Store(true) })
	waitFor(t, joinTimeout, "the sharer's screen share at sdkbot", func() bool {
		rp := bot.room.GetParticipantByIdentity("sharer")
		return rp != nil && rp.IsScreenShareEnabled()
	})
	if rp := bot.room.GetParticipantByIdentity("sharer"); rp.IsCameraEnabled() {
		t.Error("the sharer's screen is published as its camera too")
	}
	sharer.leave(t)
}
