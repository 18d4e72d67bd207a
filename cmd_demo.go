package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/rtcterm/rtcterm/devices"
)

// demoOptions are the flags of `rtcterm demo`.
type demoOptions struct {
	Name  string
	Bots  int
	Clean bool
	Media mediaOptions
}

func setupDemo(fs *flag.FlagSet, env lookupEnv) func(context.Context, stdio) error {
	o := &demoOptions{}
	fs.StringVar(&o.Name, "name", envName(env), "your name as others see it (env RTCTERM_NAME)")
	fs.IntVar(&o.Bots, "bots", 3, "number of bot participants (0-15)")
	fs.BoolVar(&o.Clean, "clean", false, "no simulated delay or loss on the bots' links")
	o.Media.register(fs)
	return func(ctx context.Context, io stdio) error {
		if o.Bots < 0 || o.Bots > 15 {
			return usageError{"--bots must be between 0 and 15"}
		}
		if err := checkTerminal(o.Media); err != nil {
			return err
		}
		log, closeLog, err := openLog(o.Media.LogFile)
		if err != nil {
			return err
		}
		defer closeLog()
		demo, err := startDemo(ctx, o.Bots, o.Clean, botMedia, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer demo.close()
		player := devices.NewPlayer(devices.PlayerConfig{Disabled: o.Media.NoAudioOut, Logger: log})
		defer player.Close()
		video, err := newVideoSink(o.Media, env, log)
		if err != nil {
			return err
		}
		defer closeVideo(video)
		sess, err := newSession(callSpec{ServerURL: demo.url, Room: demoRoom, Name: o.Name, Media: o.Media, Player: player, Video: video, Logger: log})
		if err != nil {
			return err
		}
		if o.Media.NoTUI {
			lines := io.out
			if o.Media.StatsJSON == "-" {
				lines = io.err
			}
			fmt.Fprintln(lines, demo.joinHint())
			return runSessionHeadless(ctx, sess, o.Media, io)
		}
		return runSessionTUI(ctx, sess, o.Media, player, video, demo.joinHint(), io)
	}
}
