package call

import (
	"context"
	"log/slog"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/videoview"
)

// Sinks are where a session's remote media goes; each may be nil (the demo
// bots play and draw nothing).
type Sinks struct {
	Player *devices.Player // remote audio: playback and levels
	Video  *videoview.Sink // remote video: decoded for the terminal
}

// NewSession builds the rtc session of cfg, with local media from devices.
// It starts nothing until Run.
func NewSession(cfg Config, sinks Sinks) *rtc.Session {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dcfg := devices.Config{
		Name: cfg.Name, Fake: cfg.Media.Fake, FakeKind: cfg.Media.FakeKind, Audio: true, Video: true,
		Width: cfg.Media.Width, Height: cfg.Media.Height, FPS: cfg.Media.FPS,
		VideoBitrateKbps: cfg.Media.VideoBitrateKbps, Logger: log,
		AudioDeviceID: cfg.Media.Mic, VideoDeviceID: cfg.Media.Camera,
	}
	rcfg := rtc.Config{
		Signal: signal.ClientConfig{
			URL:    cfg.ServerURL,
			Join:   signal.Join{Room: cfg.Room, UserName: cfg.Name, Token: cfg.Token},
			Logger: log,
		},
		OpenMedia: func(ctx context.Context) (rtc.LocalMedia, error) {
			m, err := devices.Open(ctx, dcfg)
			if err != nil {
				return nil, err
			}
			if sinks.Video != nil {
				m.SetPreview(sinks.Video.PushLocal)
			}
			return m, nil
		},
		ICEServers:  cfg.Media.ICEServers,
		MaxSendKbps: cfg.Media.MaxSendKbps,
		RelayOnly:   cfg.Media.RelayOnly,
		Net:         cfg.Net,
		Logger:      log,
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
	if cfg.Media.Muted {
		_ = sess.SetAudio(false)
	}
	if cfg.Media.NoCamera {
		_ = sess.SetVideo(false)
	}
	if sinks.Video != nil {
		sinks.Video.SetKeyFrameRequester(sess.RequestKeyFrame)
	}
	return sess
}
