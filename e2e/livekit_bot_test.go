package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/testkit"
)

// lkBot is a participant made with LiveKit's Go SDK: it publishes rtcterm's
// own synthetic media (devices: real VP8 and Opus, so a browser decodes
// it) and counts the RTP packets it receives from each identity.
type lkBot struct {
	room  *lksdk.Room
	media *devices.Media
	stop  chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	packets map[string]map[webrtc.RTPCodecType]int // identity → kind → packets
}

// keyFrameEvery is how often the bot sends a key frame. The SDK does not
// hand the SFU's key-frame requests to a plain Pion track, and a browser
// that subscribes later needs one to start decoding.
const keyFrameEvery = time.Second

// quietSDKOnce keeps the SDK's (and its Pion's) debug lines out of the
// test's output.
var quietSDKOnce sync.Once

func joinLiveKitBot(t *testing.T, lk testkit.LiveKit, room, identity, name string) *lkBot {
	t.Helper()
	quietSDKOnce.Do(func() { lksdk.SetLogger(protoLogger.LogRLogger(logr.Discard())) })
	m, err := devices.Open(context.Background(), devices.Config{Name: name, Fake: true, Audio: true, Video: true,
		Width: 320, Height: 240, FPS: 15, VideoBitrateKbps: 300})
	if err != nil {
		t.Fatalf("bot media: %v", err)
	}
	b := &lkBot{media: m, stop: make(chan struct{}), packets: map[string]map[webrtc.RTPCodecType]int{}}
	cb := &lksdk.RoomCallback{ParticipantCallback: lksdk.ParticipantCallback{
		OnTrackSubscribed: func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
			id := rp.Identity()
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				for {
					if _, _, err := track.ReadRTP(); err != nil {
						return
					}
					b.mu.Lock()
					if b.packets[id] == nil {
						b.packets[id] = map[webrtc.RTPCodecType]int{}
					}
					b.packets[id][track.Kind()]++
					b.mu.Unlock()
				}
			}()
		},
	}}
	r, err := lksdk.ConnectToRoom(lk.URL, lksdk.ConnectInfo{APIKey: lk.Key, APISecret: lk.Secret,
		RoomName: room, ParticipantIdentity: identity, ParticipantName: name}, cb)
	if err != nil {
		_ = m.Close()
		t.Fatalf("bot: join LiveKit: %v", err)
	}
	b.room = r
	t.Cleanup(b.leave)
	if _, err := r.LocalParticipant.PublishTrack(m.AudioTrack(), &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE}); err != nil {
		t.Fatalf("bot: publish audio: %v", err)
	}
	if _, err := r.LocalParticipant.PublishTrack(m.VideoTrack(), &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 320, VideoHeight: 240}); err != nil {
		t.Fatalf("bot: publish video: %v", err)
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(keyFrameEvery)
		defer tick.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-tick.C:
				m.RequestKeyFrame()
			}
		}
	}()
	return b
}

// participant is what the bot's SDK knows of identity (nil if absent).
func (b *lkBot) participant(identity string) *lksdk.RemoteParticipant {
	return b.room.GetParticipantByIdentity(identity)
}

// received is how many packets of kind came from identity.
func (b *lkBot) received(identity string, kind webrtc.RTPCodecType) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.packets[identity][kind]
}

func (b *lkBot) leave() {
	close(b.stop)
	b.room.Disconnect()
	b.wg.Wait()
	_ = b.media.Close()
}
