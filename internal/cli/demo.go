package cli

import (
	"context"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/demo"
)

func setupDemo(fs *flagSet, env LookupEnv, st starters) func(context.Context, Stdio) error {
	var name string
	var bots int
	var clean, livekit bool
	var media mediaFlags
	fs.StringVar(&name, "name", envName(env), "your name as others see it (env RTCTERM_NAME)")
	fs.IntVar(&bots, "bots", 3, "number of bot participants (0-15)")
	fs.BoolVar(&clean, "clean", false, "no simulated delay or loss on the bots' links")
	fs.BoolVar(&livekit, "livekit", false, "run the demo through a local livekit-server (an SFU) instead of a mesh")
	media.register(fs)
	fs.group("Demo", "name", "bots", "clean", "livekit")
	fs.group("Connection", "ice", "relay-only")
	media.groups(fs)
	return func(ctx context.Context, io Stdio) error {
		if bots < 0 || bots > demo.MaxBots {
			return usagef("--bots must be between 0 and %d", demo.MaxBots)
		}
		if err := checkRoomAndName(demo.Room, name); err != nil {
			return err
		}
		m, out, err := media.config(env, st.device)
		if err != nil {
			return err
		}
		if err := checkTerminal(out.NoTUI); err != nil {
			return err
		}
		errOut, unquiet := st.quiet(out.LogFile, io.Err)
		defer unquiet()
		d, err := st.demo(ctx, demo.Config{Bots: bots, Clean: clean, LiveKit: livekit})
		if err != nil {
			return err
		}
		defer d.Close()
		out.JoinHint = d.JoinHint()
		cfg := call.Config{ServerURL: d.URL(), Room: demo.Room, Name: name, Media: m, Output: out}
		if lk := d.LiveKit(); lk != nil {
			cfg.ServerURL, cfg.LiveKit = "", lk
		}
		return st.call(ctx, cfg, io.Out, errOut)
	}
}
