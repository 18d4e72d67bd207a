package rtc

import (
	"context"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// LocalMedia is what a Session needs from the captured media: one track per
// kind for the whole call (encode once), switches for what feeds them, key
// frames on demand, and a report of what changed by itself. devices.Media
// implements it; the wiring, which imports both, holds the compile-time
// guard.
type LocalMedia interface {
	Description() store.LocalStream
	AudioTrack() *webrtc.TrackLocalStaticSample
	VideoTrack() *webrtc.TrackLocalStaticSample
	SetAudioEnabled(on bool)
	SetVideoEnabled(on bool)
	StartScreenShare() error
	StopScreenShare() error
	RequestKeyFrame()
	// Events reports changes the media made without being asked (a device
	// vanished, screen capture failed). Close closes it; nil means the
	// media never changes by itself.
	Events() <-chan store.MediaEvent
	Close() error
}

// MediaOpener captures local media (docs/slice.md's initializeMedia).
// It should fall back (audio-only, receive-only) rather than fail.
type MediaOpener func(ctx context.Context) (LocalMedia, error)

// AudioSink receives every remote Opus packet, for playback and levels.
// devices.Player implements it. Push must not block.
type AudioSink interface {
	Push(peerID string, pkt *rtp.Packet)
	Level(peerID string) float64
	RemovePeer(peerID string)
}

// VideoSink receives every remote VP8 packet, e.g. for drawing the video in
// the terminal. Push must not block.
type VideoSink interface {
	Push(peerID string, pkt *rtp.Packet)
	RemovePeer(peerID string)
}
