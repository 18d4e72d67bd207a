package tui

import (
	"context"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// Engine does the I/O the user asks for through the UI; rtc.Session
// implements it. Every method may block: the UI only calls them from
// commands, never from Update or View.
type Engine interface {
	// SetAudio starts or stops sending the microphone.
	SetAudio(enabled bool) error
	// SetVideo starts or stops sending the camera.
	SetVideo(enabled bool) error
	// SetScreenShare switches the video track to the screen and back.
	SetScreenShare(enabled bool) error
	// Retry restarts the connection to a failed peer; peerID "" reconnects
	// to the signaling server.
	Retry(peerID string) error
	// CollectStats measures one peer's connection.
	CollectStats(ctx context.Context, peerID string) (store.Stats, error)
	// SendChat sends one line of chat to the room; the line itself arrives
	// as the engine's store actions (ChatSent, then ChatReceived or
	// ChatRefused).
	SendChat(text string) error
	// Leave leaves the call cleanly.
	Leave() error
	// Devices lists the microphones ("audio"), cameras ("video") and
	// speakers ("speaker") the call can switch to, the ones in use marked
	// (the device picker, key D). Labels come from the system: the UI
	// sanitizes them.
	Devices() ([]store.Device, error)
	// SwitchDevice makes device id of kind the one the call uses, without
	// dropping the call: the tracks stay, their source changes. What
	// changed arrives as the engine's actions (InitializeLocalStream,
	// SetAudioOutput).
	SwitchDevice(kind, id string) error
}

// Options configure the UI.
type Options struct {
	// Engine does the I/O; required.
	Engine Engine
	// Initial is the state the UI starts from: store.New(), possibly with
	// the room, name and local media already known.
	Initial store.State
	// StatsInterval is how often every peer's stats are collected; one
	// second when zero.
	StatsInterval time.Duration
	// Now reads the clock; time.Now when nil. Tests fix it.
	Now func() time.Time
	// DumpDir is where the diagnostics dump (key d) is written; the
	// system's temporary directory when empty.
	DumpDir string
	// JoinHint tells a second person how to join, e.g. a ready-to-paste
	// "rtcterm join ..." line and a browser URL; shown under the header.
	JoinHint string
	// Video draws the peers' video for the video view (key t); without it
	// the view shows name cards.
	Video VideoSource
	// Audio sets how loud each peer plays (keys + - 0); without it the
	// keys say there is no playback to adjust.
	Audio AudioControl
}

// LowBandwidthEngine is an Engine with a low-bandwidth mode (key b): our
// uplink capped low and the others asked to send us little. The mesh has
// it; an engine without it leaves the key saying so.
type LowBandwidthEngine interface {
	SetLowBandwidth(on bool) error
}

// AudioControl is the playback's per-peer volume: 0 is muted here only, 1
// as sent, up to MaxVolume.
type AudioControl interface {
	SetVolume(peerID string, v float64)
	Volume(peerID string) float64
}

// MaxVolume is the loudest the volume keys go: twice as loud as sent.
const MaxVolume = 2.0

// volumeStep is how much one press of + or - changes a peer's volume.
const volumeStep = 0.1

// DefaultStatsInterval is the stats polling interval when Options leave it
// zero: one sample a second fills store.HistoryLen in a minute.
const DefaultStatsInterval = time.Second

// withDefaults fills in the zero fields of o.
func (o Options) withDefaults() Options {
	if o.StatsInterval <= 0 {
		o.StatsInterval = DefaultStatsInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
