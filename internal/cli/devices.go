package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/rtcterm/rtcterm/devices"
)

// setupDevices lists what `rtcterm join` can capture and play, with the
// IDs --mic, --camera and --speaker take.
func setupDevices(fs *flagSet, env LookupEnv, _ starters) func(context.Context, Stdio) error {
	asJSON := fs.Bool("json", false, "print the list as JSON")
	return func(ctx context.Context, io Stdio) error {
		list, err := devices.Enumerate()
		if err != nil {
			return fmt.Errorf("list devices: %w", err)
		}
		if *asJSON {
			type row struct {
				Kind    string `json:"kind"`
				ID      string `json:"id"`
				Label   string `json:"label"`
				Default bool   `json:"default"`
			}
			rows := []row{}
			for _, d := range list {
				rows = append(rows, row{d.Kind, d.ID, d.Label, d.Default})
			}
			b, err := json.MarshalIndent(rows, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(io.Out, string(b))
			return nil
		}
		tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tID\tLABEL\t")
		for _, d := range list {
			label := d.Label
			if d.Default {
				label += " (default)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", d.Kind, Sanitize(d.ID), Sanitize(label))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write device list: %w", err)
		}
		fmt.Fprint(io.Out, "\nChoose with --mic ID, --camera ID and --speaker ID. Synthetic sources are used when no\n"+
			"camera or microphone exists (or with --fake-media, or --mic synthetic / --camera synthetic).\n")
		fmt.Fprintf(io.Out, "Audio output: %s\n", Sanitize(devices.OutputStatus()))
		return nil
	}
}
