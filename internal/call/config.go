// Package call runs one participant's side of a call — the rtc session,
// audio playback, the decoder of the others' video — under the terminal UI
// or headless, from a typed Config. It knows nothing of flags: the command
// line (internal/cli) has checked every value before a Config exists.
package call

import (
	"log/slog"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/devices"
)

// Config is one participant's call.
type Config struct {
	ServerURL string // ws:// or wss:// URL of the server's /ws
	Room      string
	Name      string
	Token     string // join token, when the server requires one
	// LiveKit, when set, joins Room on a LiveKit SFU instead of the mesh
	// through ServerURL.
	LiveKit *LiveKit
	Media   Media
	Output  Output

	Net    transport.Net // optional simulated network (demo bots)
	Logger *slog.Logger  // optional; nil discards
}

// LiveKit is how to reach a LiveKit room: the server and either a token
// from the room's host or an API key and secret to mint one locally.
type LiveKit struct {
	URL               string
	Token             string
	APIKey, APISecret string
}

// Media is what this participant captures, sends and how it connects.
type Media struct {
	Fake             bool              // synthetic video and tone instead of devices
	FakeKind         devices.Synthetic // which synthetic picture: the test pattern or camera-like
	Width, Height    int               // capture size
	FPS              int               // capture frame rate
	VideoBitrateKbps int
	ICEServers       []webrtc.ICEServer // in addition to those the server hands out
	RelayOnly        bool               // TURN relays only
	NoAudioOut       bool               // do not play the others' audio
	Mic, Camera      string             // device IDs (devices.Enumerate); "" the default
	Speaker          string             // output device ID; "" the default
	Muted, NoCamera  bool               // join with the microphone / camera off
	MaxSendKbps      int                // most sent to each peer, audio included; 0 no cap
	NoAEC            bool               // send the raw microphone: no echo cancellation, noise suppression or gain control
}

// Output is how the call is shown: the terminal UI, or status lines and
// stats JSON without it.
type Output struct {
	NoTUI         bool
	StatsJSON     string        // file for --stats-json rows, "-" for stdout, "" for none
	Duration      time.Duration // leave after this long; 0 stays until quit
	StatsInterval time.Duration // how often stats are collected
	DrawFPS       int           // most frames a second drawn per video tile
	LogFile       string        // debug log file, "" for none
	JoinHint      string        // printed or shown: how others can join
	// Getenv reads the terminal's environment (COLORTERM, NO_COLOR, TERM)
	// to choose how video is drawn; nil reads nothing.
	Getenv func(string) string
}
