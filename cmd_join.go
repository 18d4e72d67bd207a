package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/videoview"
)

// mediaOptions are the capture and call flags shared by join and demo.
type mediaOptions struct {
	FakeMedia     bool
	NoTUI         bool
	NoAudioOut    bool
	StatsJSON     string
	Duration      time.Duration
	StatsInterval time.Duration
	VideoBitrate  int
	VideoSize     string
	FPS           int
	VideoFPS      int
	ICE           listFlag
	TURN          string
	RelayOnly     bool
	LogFile       string
}

func (m *mediaOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&m.FakeMedia, "fake-media", false, "send a synthetic test pattern and tone instead of camera and microphone")
	fs.BoolVar(&m.NoTUI, "no-tui", false, "print status lines instead of the terminal UI")
	fs.BoolVar(&m.NoAudioOut, "no-audio-out", false, "do not play the other participants' audio")
	fs.StringVar(&m.StatsJSON, "stats-json", "", "write one JSON object per peer per stats tick to `FILE` (- for stdout)")
	fs.DurationVar(&m.Duration, "duration", 0, "leave the call after this long (0 = stay until quit)")
	fs.DurationVar(&m.StatsInterval, "stats-interval", time.Second, "how often to collect connection stats")
	fs.IntVar(&m.VideoBitrate, "video-bitrate", 800, "video bitrate in `kbps`")
	fs.StringVar(&m.VideoSize, "video-size", "640x480", "capture size `WxH`")
	fs.IntVar(&m.FPS, "fps", 30, "capture frame rate")
	fs.IntVar(&m.VideoFPS, "video-fps", videoview.DefaultFPS, "most frames a second drawn per video tile in the terminal (1-30)")
	fs.Var(&m.ICE, "ice", "STUN server `stun:HOST:PORT` (repeatable)")
	fs.StringVar(&m.TURN, "turn", "", "TURN server `turn:USER:PASS@HOST:PORT`")
	fs.BoolVar(&m.RelayOnly, "relay-only", false, "connect only through the TURN relay")
	fs.StringVar(&m.LogFile, "log", "", "write a debug log of signaling and WebRTC to `FILE`")
}

// joinOptions are the flags of `rtcterm join`.
type joinOptions struct {
	Server, Room, Name, Token string
	Media                     mediaOptions
}

func setupJoin(fs *flag.FlagSet, env lookupEnv) func(context.Context, stdio) error {
	o := &joinOptions{}
	fs.StringVar(&o.Server, "server", envDefault(env, "RTCTERM_SERVER", ""), "signaling server `URL` (ws://, wss://, http://, https://; env RTCTERM_SERVER)")
	fs.StringVar(&o.Room, "room", envDefault(env, "RTCTERM_ROOM", ""), "room to join (env RTCTERM_ROOM)")
	fs.StringVar(&o.Name, "name", envName(env), "your name as others see it (env RTCTERM_NAME)")
	// The token's default is not shown in --help: it is a credential.
	fs.StringVar(&o.Token, "token", "", "join token when the server requires one (env RTCTERM_TOKEN)")
	o.Media.register(fs)
	return func(ctx context.Context, io stdio) error {
		if o.Token == "" {
			o.Token = envDefault(env, "RTCTERM_TOKEN", "")
		}
		if o.Server == "" || o.Room == "" {
			return usageError{"--server and --room are required"}
		}
		if err := checkTerminal(o.Media); err != nil {
			return err
		}
		url, err := signal.NormalizeURL(o.Server)
		if err != nil {
			return usageError{fmt.Sprintf("--server: %v", err)}
		}
		spec := callSpec{ServerURL: url, Room: o.Room, Name: o.Name, Token: o.Token, Media: o.Media}
		return runCall(ctx, spec, "", env, io)
	}
}
