package main

import (
	"context"
	"flag"
	"log/slog"
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
		if _, err := o.Media.iceServers(); err != nil {
			return err
		}
		demo, err := startDemo(ctx, o.Bots, o.Clean, botMedia, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer demo.close()
		spec := callSpec{ServerURL: demo.url, Room: demoRoom, Name: o.Name, Media: o.Media}
		return runCall(ctx, spec, demo.joinHint(), env, io)
	}
}
