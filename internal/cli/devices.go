package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/rtcterm/rtcterm/devices"
)

// setupDevices lists what `rtcterm join` can capture and whether audio can
// be played.
func setupDevices(fs *flagSet, env LookupEnv, _ starters) func(context.Context, Stdio) error {
	return func(ctx context.Context, io Stdio) error {
		list, err := devices.Enumerate()
		if err != nil {
			return fmt.Errorf("list devices: %w", err)
		}
		tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tID\tLABEL\t")
		for _, d := range list {
			label := d.Label
			if d.Default {
				label += " (default)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", d.Kind, d.ID, label)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write device list: %w", err)
		}
		fmt.Fprintf(io.Out, "\nSynthetic sources are used automatically when no real camera or microphone exists (or with --fake-media).\n")
		fmt.Fprintf(io.Out, "Audio output: %s\n", devices.OutputStatus())
		return nil
	}
}
