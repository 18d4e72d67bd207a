package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/videoview"
)

// Ranges of the media flags, checked before anything starts.
const (
	minCaptureFPS, maxCaptureFPS = 1, 60
	minDrawFPS, maxDrawFPS       = 1, 30
	minBitrate, maxBitrate       = 50, 20000 // kbps
	minVideoSide, maxVideoSide   = 16, 4096
	minStatsInterval             = 100 * time.Millisecond
	minSendKbps                  = 64 // below this not even audio fits
)

// mediaFlags are the capture and call flags shared by join and demo.
type mediaFlags struct {
	FakeMedia     fakeMediaFlag
	NoTUI         bool
	NoAudioOut    bool
	StatsJSON     string
	Duration      time.Duration
	StatsInterval time.Duration
	VideoBitrate  int
	VideoSize     string
	FPS           int
	VideoFPS      int
	ICE           listFlag // stun: and turn: servers, from --ice and its alias --turn
	RelayOnly     bool
	LogFile       string
	Mic           string // device IDs as `rtcterm devices` lists them
	Camera        string
	Speaker       string
	Muted         bool // join with the microphone off
	NoCamera      bool // join with the camera off
	MaxSendKbps   int  // cap on what is sent to each peer
	NoAEC         bool // send the raw microphone
}

// register adds the flags to fs; --ice and --relay-only go under the
// command's Connection heading in help, the rest under groups'.
func (m *mediaFlags) register(fs *flagSet) {
	fs.Var(&m.FakeMedia, "fake-media", "send synthetic video and a tone instead of camera and microphone: --fake-media for a test pattern, --fake-media=camera for a busy camera-like picture")
	fs.BoolVar(&m.NoAudioOut, "no-audio-out", false, "do not play the other participants' audio")
	fs.StringVar(&m.Mic, "mic", "", "microphone `ID` as `rtcterm devices` lists it, or synthetic (env RTCTERM_MIC)")
	fs.StringVar(&m.Camera, "camera", "", "camera `ID` as `rtcterm devices` lists it, or synthetic (env RTCTERM_CAMERA)")
	fs.StringVar(&m.Speaker, "speaker", "", "speaker `ID` as `rtcterm devices` lists it (env RTCTERM_SPEAKER)")
	fs.BoolVar(&m.Muted, "muted", false, "join with the microphone off")
	fs.BoolVar(&m.NoCamera, "no-camera", false, "join with the camera off")
	fs.BoolVar(&m.NoAEC, "no-aec", false, "send the raw microphone: no echo cancellation, noise suppression or gain control, which are on when playing to a speaker (env RTCTERM_NO_AEC)")
	fs.StringVar(&m.VideoSize, "video-size", "640x480", "capture size `WxH`")
	fs.IntVar(&m.FPS, "capture-fps", 30, fmt.Sprintf("camera frame rate (%d-%d)", minCaptureFPS, maxCaptureFPS))
	fs.IntVar(&m.MaxSendKbps, "max-send-kbps", 0, fmt.Sprintf("most sent to each peer, audio included, in `kbps` (%d-%d; 0 = no cap; env RTCTERM_MAX_SEND_KBPS)", minSendKbps, maxBitrate))
	fs.IntVar(&m.VideoBitrate, "video-bitrate", 800, fmt.Sprintf("video bitrate in `kbps` (%d-%d)", minBitrate, maxBitrate))
	fs.BoolVar(&m.NoTUI, "no-tui", false, "print status lines instead of the terminal UI")
	fs.StringVar(&m.StatsJSON, "stats-json", "", "with --no-tui: write one JSON object per peer per stats tick to `FILE` (- for stdout)")
	fs.DurationVar(&m.StatsInterval, "stats-interval", time.Second, "how often to collect connection stats")
	fs.DurationVar(&m.Duration, "duration", 0, "leave the call after this long (0 = stay until quit)")
	fs.IntVar(&m.VideoFPS, "draw-fps", videoview.DefaultFPS, fmt.Sprintf("most frames a second drawn per video tile in the terminal (%d-%d)", minDrawFPS, maxDrawFPS))
	fs.StringVar(&m.LogFile, "log", "", "write a debug log of signaling and WebRTC to `FILE`")
	fs.Var(&m.ICE, "ice", "STUN or TURN server, `stun:HOST:PORT` or turn:USER:PASS@HOST:PORT (repeatable)")
	fs.BoolVar(&m.RelayOnly, "relay-only", false, "connect only through a TURN relay given with --ice")
	// The names of earlier releases keep working.
	fs.alias("fps", "capture-fps")
	fs.alias("video-fps", "draw-fps")
	fs.alias("turn", "ice")
}

// groups lists the media flags under their headings in help, after the
// command's own.
func (m *mediaFlags) groups(fs *flagSet) {
	fs.group("Media", "mic", "camera", "speaker", "muted", "no-camera", "no-aec", "fake-media", "no-audio-out", "video-size", "capture-fps", "video-bitrate", "max-send-kbps")
	fs.group("Output", "no-tui", "stats-json", "stats-interval", "duration", "draw-fps", "log")
}

// config checks every media flag and returns the typed configuration;
// checkDevice reports whether a device ID exists.
func (m *mediaFlags) config(env LookupEnv, checkDevice func(kind, id string) error) (call.Media, call.Output, error) {
	for _, d := range []struct {
		flag, env, kind string
		id              *string
	}{{"--mic", "RTCTERM_MIC", "audio", &m.Mic}, {"--camera", "RTCTERM_CAMERA", "video", &m.Camera}, {"--speaker", "RTCTERM_SPEAKER", "speaker", &m.Speaker}} {
		if *d.id == "" {
			*d.id = envDefault(env, d.env, "")
		}
		if err := checkDevice(d.kind, *d.id); err != nil {
			if errors.Is(err, devices.ErrNoSuchDevice) {
				return call.Media{}, call.Output{}, usagef("%s: %v", d.flag, err)
			}
			return call.Media{}, call.Output{}, fmt.Errorf("%s: %w", d.flag, err)
		}
	}
	if m.MaxSendKbps == 0 {
		if v := envDefault(env, "RTCTERM_MAX_SEND_KBPS", ""); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return call.Media{}, call.Output{}, usagef("RTCTERM_MAX_SEND_KBPS %q: want kbps", v)
			}
			m.MaxSendKbps = n
		}
	}
	if !m.NoAEC {
		if v := envDefault(env, "RTCTERM_NO_AEC", ""); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return call.Media{}, call.Output{}, usagef("RTCTERM_NO_AEC %q: want true or false", v)
			}
			m.NoAEC = on
		}
	}
	if m.MaxSendKbps != 0 && (m.MaxSendKbps < minSendKbps || m.MaxSendKbps > maxBitrate) {
		return call.Media{}, call.Output{}, usagef("--max-send-kbps must be 0 or between %d and %d", minSendKbps, maxBitrate)
	}
	w, h, err := parseVideoSize(m.VideoSize)
	if err != nil {
		return call.Media{}, call.Output{}, err
	}
	switch {
	case m.FPS < minCaptureFPS || m.FPS > maxCaptureFPS:
		return call.Media{}, call.Output{}, usagef("--capture-fps must be between %d and %d", minCaptureFPS, maxCaptureFPS)
	case m.VideoFPS < minDrawFPS || m.VideoFPS > maxDrawFPS:
		return call.Media{}, call.Output{}, usagef("--draw-fps must be between %d and %d", minDrawFPS, maxDrawFPS)
	case m.VideoBitrate < minBitrate || m.VideoBitrate > maxBitrate:
		return call.Media{}, call.Output{}, usagef("--video-bitrate must be between %d and %d kbps", minBitrate, maxBitrate)
	case m.StatsInterval < minStatsInterval:
		return call.Media{}, call.Output{}, usagef("--stats-interval must be at least %v", minStatsInterval)
	case m.Duration < 0:
		return call.Media{}, call.Output{}, usagef("--duration must not be negative")
	case m.StatsJSON != "" && !m.NoTUI:
		return call.Media{}, call.Output{}, usagef("--stats-json needs --no-tui (the terminal UI shows the stats itself)")
	}
	ice, err := iceServers(m.ICE)
	if err != nil {
		return call.Media{}, call.Output{}, err
	}
	if m.RelayOnly && !hasTURN(ice) {
		return call.Media{}, call.Output{}, usagef("--relay-only needs a TURN server: --ice turn:USER:PASS@HOST:PORT")
	}
	media := call.Media{
		Fake: m.FakeMedia.on, FakeKind: m.FakeMedia.kind, Width: w, Height: h, FPS: m.FPS, VideoBitrateKbps: m.VideoBitrate,
		ICEServers: ice, RelayOnly: m.RelayOnly, NoAudioOut: m.NoAudioOut,
		Mic: m.Mic, Camera: m.Camera, Speaker: m.Speaker, Muted: m.Muted, NoCamera: m.NoCamera,
		MaxSendKbps: m.MaxSendKbps, NoAEC: m.NoAEC,
	}
	out := call.Output{
		NoTUI: m.NoTUI, StatsJSON: m.StatsJSON, Duration: m.Duration, StatsInterval: m.StatsInterval,
		DrawFPS: m.VideoFPS, LogFile: m.LogFile, Getenv: getenv(env),
	}
	return media, out, nil
}

// iceServers parses STUN and TURN servers; empty entries are skipped.
func iceServers(specs []string) ([]webrtc.ICEServer, error) {
	var ice []webrtc.ICEServer
	for _, s := range specs {
		if s == "" {
			continue
		}
		is, err := rtc.ParseICEServer(s)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		ice = append(ice, is)
	}
	return ice, nil
}

// hasTURN reports whether any of the servers is a TURN relay.
func hasTURN(servers []webrtc.ICEServer) bool {
	for _, s := range servers {
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
				return true
			}
		}
	}
	return false
}

// parseVideoSize reads "WxH".
func parseVideoSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w < minVideoSide || h < minVideoSide || w > maxVideoSide || h > maxVideoSide {
		return 0, 0, usagef("--video-size %q: want WxH between %dx%d and %dx%d, e.g. 640x480", s, minVideoSide, minVideoSide, maxVideoSide, maxVideoSide)
	}
	return w, h, nil
}

// fakeMediaFlag is --fake-media: a switch on its own (the test pattern), or
// --fake-media=camera / --fake-media=pattern to choose the picture.
type fakeMediaFlag struct {
	on   bool
	kind devices.Synthetic
}

func (f *fakeMediaFlag) String() string {
	if !f.on {
		return ""
	}
	if f.kind == devices.SyntheticDefault {
		return "true"
	}
	return string(f.kind)
}

// Set takes true/false or a synthetic picture's name.
func (f *fakeMediaFlag) Set(v string) error {
	if on, err := strconv.ParseBool(v); err == nil {
		f.on, f.kind = on, devices.SyntheticDefault
		return nil
	}
	kind, err := devices.ParseSynthetic(v)
	if err != nil {
		return err
	}
	f.on, f.kind = true, kind
	return nil
}

// IsBoolFlag lets --fake-media stand alone.
func (f *fakeMediaFlag) IsBoolFlag() bool { return true }
