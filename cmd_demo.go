package main

import (
	"context"
	"flag"
	"fmt"
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
	fs.IntVar(&o.Bots, "bots", 3, "number of bot participants")
	fs.BoolVar(&o.Clean, "clean", false, "no simulated delay or loss on the bots' links")
	o.Media.register(fs)
	return func(ctx context.Context, io stdio) error {
		return fmt.Errorf("demo: %w (it lands with issue 5)", errNotBuilt)
	}
}
