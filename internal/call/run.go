package call

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/videoview"
)

// Run runs this participant's call — audio playback, the decoder of the
// others' video for the UI, the session — under the terminal UI or, with
// Output.NoTUI, the line-oriented output, until the user leaves, ctx ends,
// Output.Duration passes or the server refuses the join. out and errOut are
// the process's standard output and error.
func Run(ctx context.Context, cfg Config, out, errOut io.Writer) error {
	log, closeLog, err := openLog(cfg.Output.LogFile)
	if err != nil {
		return err
	}
	defer closeLog()
	cfg.Logger = log
	echo := newEchoCanceller(cfg.Media, log)
	if echo != nil {
		defer echo.Close() // after the player and the media, deferred below
	}
	player := devices.NewPlayer(devices.PlayerConfig{Disabled: cfg.Media.NoAudioOut, OutputDeviceID: cfg.Media.Speaker, Echo: echo, Logger: log})
	defer player.Close()
	sinks := Sinks{Player: player, Echo: echo}
	if !cfg.Output.NoTUI {
		sinks.Video = NewVideoSink(cfg.Output, log)
		defer sinks.Video.Close()
	}
	if !cfg.Output.NoTUI {
		return runTUI(ctx, NewEngine(cfg, sinks), cfg.Output, sinks, out)
	}
	statsOut, closeStats, err := statsWriter(cfg.Output.StatsJSON, out)
	if err != nil {
		return err
	}
	defer closeStats()
	lines := out
	if cfg.Output.StatsJSON == "-" {
		lines = errOut // keep stdout pure JSON
	}
	if cfg.Output.JoinHint != "" {
		fmt.Fprintln(lines, cfg.Output.JoinHint)
	}
	return runHeadless(ctx, NewEngine(cfg, sinks), cfg.Output, lines, statsOut)
}

// NewVideoSink builds the decoder of the peers' video for the terminal UI.
// The cell encoding follows the terminal: COLORTERM, NO_COLOR and TERM.
func NewVideoSink(o Output, log *slog.Logger) *videoview.Sink {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return videoview.New(videoview.Config{FPS: o.DrawFPS, Mode: videoview.DetectMode(getenv), Logger: log})
}

// openLog opens the debug log file; without one, logs are discarded (the
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

// statsWriter opens the stats JSON destination.
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
