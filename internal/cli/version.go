package cli

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with
// -ldflags "-X github.com/rtcterm/rtcterm/internal/cli.version=...".
var version = "dev"

func setupVersion(fs *flag.FlagSet, env LookupEnv, _ starters) func(context.Context, Stdio) error {
	return func(ctx context.Context, io Stdio) error {
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Fprintf(io.Out, "rtcterm %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
}
