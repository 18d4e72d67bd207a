package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with
// -ldflags "-X github.com/rtcterm/rtcterm/internal/cli.version=...".
var version = "dev"

func setupVersion(fs *flagSet, env LookupEnv, _ starters) func(context.Context, Stdio) error {
	return func(ctx context.Context, io Stdio) error {
		bi, _ := debug.ReadBuildInfo()
		fmt.Fprintln(io.Out, versionLine(version, bi))
		return nil
	}
}

// versionLine is "rtcterm VERSION (revision REV, GOVERSION, OS/ARCH)": the
// release set at build time or the module version, and the VCS revision Go
// stamps into binaries built from a checkout.
func versionLine(v string, bi *debug.BuildInfo) string {
	rev, dirty := "", false
	if bi != nil {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	extra := ""
	if rev != "" {
		extra = "revision " + rev[:min(12, len(rev))]
		if dirty {
			extra += "-dirty"
		}
		extra += ", "
	}
	return fmt.Sprintf("rtcterm %s (%s%s, %s/%s)", v, extra, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
