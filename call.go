package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/videoview"
)

// callSpec is everything needed to start one participant's session.
type callSpec struct {
	ServerURL string // ws:// URL of /ws
	Room      string
	Name      string
	Token     string
	Media     mediaOptions
	Net       transport.Net   // optional simulated network (demo bots)
	Player    *devices.Player // optional audio playback and levels
	Video     *videoview.Sink // optional: decodes remote video for the terminal
	Logger    *slog.Logger
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
	if !ok || err != nil || w < 16 || h < 16 || w > 4096 || h > 4096 {
		return 0, 0, usageError{fmt.Sprintf("--video-size %q: want WxH, e.g. 640x480", s)}
	}
	return w, h, nil
}

// iceServers checks the media flags and returns the ICE servers they
// name, so a command can refuse bad flags before it starts anything.
func (m mediaOptions) iceServers() ([]webrtc.ICEServer, error) {
	if _, _, err := parseVideoSize(m.VideoSize); err != nil {
		return nil, err
	}
	if m.FPS < 1 || m.FPS > 60 {
		return nil, usageError{"--fps must be between 1 and 60"}
	}
	if m.VideoBitrate < 50 || m.VideoBitrate > 20000 {
		return nil, usageError{"--video-bitrate must be between 50 and 20000 kbps"}
	}
	if m.StatsInterval < 100*time.Millisecond {
		return nil, usageError{"--stats-interval must be at least 100ms"}
	}
	var ice []webrtc.ICEServer
	for _, s := range append(append([]string(nil), m.ICE...), m.TURN) {
		if s == "" {
			continue
		}
		is, err := rtc.ParseICEServer(s)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		ice = append(ice, is)
	}
	if m.RelayOnly && m.TURN == "" {
		return nil, usageError{"--relay-only needs --turn"}
	}
	return ice, nil
}

// newSession builds an rtc.Session for spec, with media from devices.
func newSession(spec callSpec) (*rtc.Session, error) {
	ice, err := spec.Media.iceServers()
	if err != nil {
		return nil, err
	}
	w, h, _ := parseVideoSize(spec.Media.VideoSize)
	log := spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dcfg := devices.Config{
		Name: spec.Name, Fake: spec.Media.FakeMedia, Audio: true, Video: true,
		Width: w, Height: h, FPS: spec.Media.FPS, VideoBitrateKbps: spec.Media.VideoBitrate, Logger: log,
	}
	cfg := rtc.Config{
		Signal: signal.ClientConfig{
			URL:    spec.ServerURL,
			Join:   signal.Join{Room: spec.Room, UserName: spec.Name, Token: spec.Token},
			Logger: log,
		},
		OpenMedia: func(ctx context.Context) (rtc.LocalMedia, error) {
			m, err := devices.Open(ctx, dcfg)
			if err != nil {
				return nil, err
			}
			if tap, ok := any(m).(videoview.PreviewTap); ok && spec.Video != nil {
				tap.SetPreview(spec.Video.PushLocal)
			}
			return m, nil
		},
		ICEServers: ice,
		RelayOnly:  spec.Media.RelayOnly,
		Net:        spec.Net,
		Logger:     log,
	}
	if spec.Player != nil {
		cfg.Audio = spec.Player
	}
	if spec.Video != nil {
		cfg.Video = spec.Video
	}
	sess := rtc.New(cfg)
	if spec.Video != nil {
		spec.Video.SetKeyFrameRequester(sess.RequestKeyFrame)
	}
	return sess, nil
}

// openLog opens the --log file; without one, logs are discarded (the
// terminal belongs to the UI).
func openLog(path string) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), func() { _ = f.Close() }, nil
}

// statsWriter opens the --stats-json destination.
func statsWriter(path string, stdout io.Writer) (io.Writer, func(), error) {
	switch path {
	case "":
		return nil, func() {}, nil
	case "-":
		return stdout, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("stats file: %w", err)
	}
	return f, func() { _ = f.Close() }, nil
}

// runCall runs this participant's side of a call — audio playback, the
// decoder of the others' video for the UI, the session — under the UI or,
// with --no-tui, the line-oriented output. hint tells others how to join.
func runCall(ctx context.Context, spec callSpec, hint string, env lookupEnv, io stdio) error {
	log, closeLog, err := openLog(spec.Media.LogFile)
	if err != nil {
		return err
	}
	defer closeLog()
	spec.Logger = log
	player := devices.NewPlayer(devices.PlayerConfig{Disabled: spec.Media.NoAudioOut, Logger: log})
	defer player.Close()
	spec.Player = player
	video, err := newVideoSink(spec.Media, env, log)
	if err != nil {
		return err
	}
	defer closeVideo(video)
	spec.Video = video
	sess, err := newSession(spec)
	if err != nil {
		return err
	}
	if !spec.Media.NoTUI {
		return runSessionTUI(ctx, sess, spec.Media, player, video, hint, io)
	}
	if hint != "" {
		lines := io.out
		if spec.Media.StatsJSON == "-" {
			lines = io.err // keep stdout pure JSON
		}
		fmt.Fprintln(lines, hint)
	}
	return runSessionHeadless(ctx, sess, spec.Media, io)
}

// runSessionHeadless runs a session with the line-oriented output of
// --no-tui until it ends.
func runSessionHeadless(ctx context.Context, sess *rtc.Session, o mediaOptions, io stdio) error {
	statsOut, closeStats, err := statsWriter(o.StatsJSON, io.out)
	if err != nil {
		return err
	}
	defer closeStats()
	lines := io.out
	if o.StatsJSON == "-" {
		lines = io.err // keep stdout pure JSON
	}
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()
	h := &headless{engine: sess, actions: sess.Actions(), out: lines, stats: statsOut, interval: o.StatsInterval, duration: o.Duration, now: time.Now}
	herr := h.run(ctx)
	if err := <-runErr; err != nil {
		return err
	}
	return herr
}

var _ = store.New
