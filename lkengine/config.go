package lkengine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// LocalMedia is what the engine needs from the captured media. It has the
// same method set as rtc.LocalMedia, so devices.Media serves both engines;
// it is declared here because this package must not depend on rtc.
type LocalMedia interface {
	Description() store.LocalStream
	AudioTrack() *webrtc.TrackLocalStaticSample
	VideoTrack() *webrtc.TrackLocalStaticSample
	SetAudioEnabled(on bool)
	SetVideoEnabled(on bool)
	StartScreenShare() error
	StopScreenShare() error
	RequestKeyFrame()
	Close() error
}

// screenSharer is media that can say whether its video track carries the
// screen now (devices.Media can).
type screenSharer interface{ ScreenSharing() bool }

// MediaOpener captures local media. It should fall back (audio only,
// receive only) rather than fail; on error the engine joins receive-only.
type MediaOpener func(ctx context.Context) (LocalMedia, error)

// AudioSink receives every remote Opus packet (rtc.AudioSink's shape).
// Push must not block.
type AudioSink interface {
	Push(peerID string, pkt *rtp.Packet)
	Level(peerID string) float64
	RemovePeer(peerID string)
}

// VideoSink receives every remote VP8 packet (rtc.VideoSink's shape).
// Push must not block.
type VideoSink interface {
	Push(peerID string, pkt *rtp.Packet)
	RemovePeer(peerID string)
}

// Errors callers decide on.
var (
	// ErrUnauthorized: the server refused the credentials — a wrong API
	// key or secret, or an expired or foreign token. The error text names
	// the flag to fix.
	ErrUnauthorized = errors.New("livekit refused the credentials")
	// ErrUnreachable: the server could not be reached at the URL.
	ErrUnreachable = errors.New("livekit server unreachable")
	// ErrNoCredentials: neither a token nor an API key and secret given.
	ErrNoCredentials = errors.New("livekit needs --token or --api-key and --api-secret")
	// ErrPeerNotFound: an operation on a participant not in the room.
	ErrPeerNotFound = errors.New("participant not found")
	// ErrClosed: an operation on an engine that has ended or not joined.
	ErrClosed = errors.New("livekit session closed")
	// ErrCloseTimeout: Close gave up waiting; the process can still exit.
	ErrCloseTimeout = errors.New("livekit session did not close in time")
	// ErrRemoved: the server ended our membership (kicked, room deleted,
	// duplicate identity); the text says why.
	ErrRemoved = errors.New("removed from the livekit room")
)

// Config configures an Engine. URL, Room, Identity, OpenMedia and either
// Token or APIKey+APISecret are required.
type Config struct {
	// URL of the LiveKit server: ws(s):// or http(s)://.
	URL string
	// Room to join; with Token the token's room grant decides.
	Room string
	// Identity is the participant identity and display name (--name).
	Identity string
	// Token is a LiveKit access token from the room's host (--token).
	Token string
	// APIKey and APISecret mint a short-lived token locally
	// (--api-key, --api-secret).
	APIKey, APISecret string
	// TokenTTL is how long a minted token is valid (default 15 min); the
	// server hands out refreshed tokens for reconnects while connected.
	TokenTTL time.Duration

	// VideoWidth and VideoHeight are the size the camera is captured at,
	// announced with the publication so the SFU can pick layers (optional).
	VideoWidth, VideoHeight int

	// OpenMedia captures the local media, once, before the join.
	OpenMedia MediaOpener
	Audio     AudioSink // optional: receives remote audio
	Video     VideoSink // optional: receives remote video

	// ConnectTimeout bounds the join (default 10 s).
	ConnectTimeout time.Duration
	// Now is the clock for action timestamps and stats rates (default time.Now).
	Now func() time.Time
	// Logger receives the engine's and the SDK's logs (default: discarded;
	// the SDK would otherwise write to the terminal under the UI).
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultTokenTTL       = 15 * time.Minute
	DefaultConnectTimeout = 10 * time.Second
)

func (c *Config) defaults() {
	if c.TokenTTL <= 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// credentialFlags names the flags the user set for authentication, for
// the ErrUnauthorized text.
func (c *Config) credentialFlags() string {
	if c.Token != "" {
		return "--token"
	}
	return "--api-key/--api-secret"
}
