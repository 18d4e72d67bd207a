package call

import (
	"context"
	"log/slog"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/videoview"
)

// Sinks are where a session's remote media goes; each may be nil (the demo
// bots play and draw nothing).
type Sinks struct {
	Player *devices.Player // remote audio: playback and levels
	Video  *videoview.Sink // remote video: decoded for the terminal
	// Echo cleans the microphone of what Player plays on the speaker;
	// nil sends the raw microphone.
	Echo *devices.EchoCanceller
}

// NewEngine builds the back end of cfg: a LiveKit engine when cfg.LiveKit
// is set, else the mesh session that moves to LiveKit when the server
// says so (NewHandover). It starts nothing until Run.
func NewEngine(cfg Config, sinks Sinks) Engine {
	if cfg.LiveKit != nil {
		return NewLiveKitEngine(cfg, sinks)
	}
	return NewHandover(cfg, sinks)
}

// deviceConfig is what devices captures for cfg.
func deviceConfig(cfg Config, log *slog.Logger) devices.Config {
	return devices.Config{
		Name: cfg.Name, Fake: cfg.Media.Fake, FakeKind: cfg.Media.FakeKind, Audio: true, Video: true,
		Width: cfg.Media.Width, Height: cfg.Media.Height, FPS: cfg.Media.FPS,
		VideoBitrateKbps: cfg.Media.VideoBitrateKbps, Logger: log,
		AudioDeviceID: cfg.Media.Mic, VideoDeviceID: cfg.Media.Camera,
	}
}

// openMedia opens the local media, showing what is sent in the self-view.
func openMedia(ctx context.Context, dcfg devices.Config, sinks Sinks) (*devices.Media, error) {
	dcfg.Echo = sinks.Echo
	m, err := devices.Open(ctx, dcfg)
	if err != nil {
		return nil, err
	}
	if sinks.Video != nil {
		m.SetPreview(sinks.Video.PushLocal)
	}
	return m, nil
}

// logger is cfg's logger, or one that discards.
func logger(cfg Config) *slog.Logger {
	if cfg.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Logger
}

// NewSession builds the mesh session of cfg, with local media from devices.
// It starts nothing until Run.
func NewSession(cfg Config, sinks Sinks) *rtc.Session {
	log := logger(cfg)
	dcfg := deviceConfig(cfg, log)
	rcfg := meshConfig(cfg, log)
	rcfg.OpenMedia = func(ctx context.Context) (rtc.LocalMedia, error) {
		m, err := openMedia(ctx, dcfg, sinks)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	if sinks.Player != nil {
		rcfg.Audio = sinks.Player
	}
	if sinks.Video != nil {
		rcfg.Video = sinks.Video
	}
	sess := rtc.New(rcfg)
	// Before Run the session records the wish and applies it when the
	// media opens, so nobody hears or sees a moment of it.
	applyJoinSwitches(sess, cfg.Media)
	if sinks.Video != nil {
		sinks.Video.SetKeyFrameRequester(sess.RequestKeyFrame)
	}
	return sess
}

// meshConfig is the mesh session of cfg, without its media and sinks.
func meshConfig(cfg Config, log *slog.Logger) rtc.Config {
	return rtc.Config{
		Signal: signal.ClientConfig{
			URL:    cfg.ServerURL,
			Join:   signal.Join{Room: cfg.Room, UserName: cfg.Name, Token: cfg.Token},
			Logger: log,
		},
		ICEServers:  cfg.Media.ICEServers,
		MaxSendKbps: cfg.Media.MaxSendKbps,
		RelayOnly:   cfg.Media.RelayOnly,
		Net:         cfg.Net,
		Logger:      log,
	}
}

// NewLiveKitEngine builds the LiveKit engine of cfg, with the same local
// media, playback and video decoder as the mesh.
func NewLiveKitEngine(cfg Config, sinks Sinks) *lkengine.Engine {
	log := logger(cfg)
	dcfg := deviceConfig(cfg, log)
	lcfg := lkengine.Config{
		URL: cfg.LiveKit.URL, Room: cfg.Room, Identity: cfg.Name,
		Token: cfg.LiveKit.Token, APIKey: cfg.LiveKit.APIKey, APISecret: cfg.LiveKit.APISecret,
		VideoWidth: cfg.Media.Width, VideoHeight: cfg.Media.Height,
		OpenMedia: func(ctx context.Context) (lkengine.LocalMedia, error) {
			m, err := openMedia(ctx, dcfg, sinks)
			if err != nil {
				return nil, err
			}
			return m, nil
		},
		Logger: log,
	}
	if sinks.Player != nil {
		lcfg.Audio = sinks.Player
	}
	if sinks.Video != nil {
		lcfg.Video = sinks.Video
	}
	eng := lkengine.New(lcfg)
	if sinks.Video != nil {
		sinks.Video.SetKeyFrameRequester(eng.RequestKeyFrame)
	}
	applyJoinSwitches(eng, cfg.Media)
	return eng
}

// applyJoinSwitches joins with the microphone or camera off when asked:
// before Run an engine records the wish and applies it when the media
// opens, so nobody hears or sees a moment of it.
func applyJoinSwitches(e interface {
	SetAudio(bool) error
	SetVideo(bool) error
}, m Media) {
	if m.Muted {
		_ = e.SetAudio(false)
	}
	if m.NoCamera {
		_ = e.SetVideo(false)
	}
}
