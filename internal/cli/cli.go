// Package cli is rtcterm's command line: flag parsing, all validation,
// environment defaults, usage and exit codes. It turns flags into the typed
// configs of internal/call and internal/demo and starts nothing until every
// flag of a command is valid.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Exit statuses: 0 success, 1 failure, 2 bad usage.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Stdio is where a command reads and writes.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// LookupEnv is os.LookupEnv, injectable for tests.
type LookupEnv func(string) (string, bool)

// command is one subcommand: its flags and what it runs.
type command struct {
	name    string
	summary string
	usage   string // arguments after the command name
	// setup registers the command's flags and returns the function that
	// checks them all, once parsed, and then runs the command.
	setup func(fs *flag.FlagSet, env LookupEnv, st starters) func(ctx context.Context, io Stdio) error
}

// commands lists every subcommand in the order help shows them.
func commands() []command {
	return []command{
		{"demo", "start a live demo call: local server, bot participants and you", "[flags]", setupDemo},
		{"join", "join a room on a signaling server", "--server URL --room R --name N [flags]", setupJoin},
		{"serve", "run the signaling server (WebSocket) and the browser client", "[flags]", setupServe},
		{"token", "print a join token for a server started with --token-secret", "--room R --user U [flags]", setupToken},
		{"devices", "list cameras, microphones and screens", "", setupDevices},
		{"version", "print the version", "", setupVersion},
		{"help", "show help for rtcterm or a command", "[command]", nil},
	}
}

// Run executes the command line and returns the process exit status.
func Run(ctx context.Context, args []string, io Stdio, env LookupEnv) int {
	return run(ctx, args, io, env, realStarters())
}

// run is Run with what the commands start injected, so tests can prove
// that a bad flag starts nothing.
func run(ctx context.Context, args []string, io Stdio, env LookupEnv, st starters) int {
	if len(args) == 0 {
		usage(io.Err)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(io.Out)
		return ExitOK
	case "help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, io, env, st)
		}
		usage(io.Out)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != name || c.setup == nil {
			continue
		}
		fs := flag.NewFlagSet("rtcterm "+c.name, flag.ContinueOnError)
		fs.SetOutput(io.Err)
		exec := c.setup(fs, env, st)
		fs.Usage = func() { commandUsage(fs.Output(), c, fs) }
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(io.Out)
				fs.Usage()
				return ExitOK
			}
			return ExitUsage // flag already printed the error and usage
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(io.Err, "rtcterm %s: unexpected argument %q\n", c.name, fs.Arg(0))
			fs.Usage()
			return ExitUsage
		}
		err := exec(ctx, io)
		var ue usageError
		switch {
		case err == nil:
			return ExitOK
		case errors.As(err, &ue):
			fmt.Fprintf(io.Err, "rtcterm %s: %v\n", c.name, err)
			fs.Usage()
			return ExitUsage
		default:
			fmt.Fprintf(io.Err, "rtcterm %s: %v\n", c.name, err)
			return ExitFail
		}
	}
	fmt.Fprintf(io.Err, "rtcterm: unknown command %q\n\n", name)
	usage(io.Err)
	return ExitUsage
}

// usageError is a command-line mistake found after flag parsing, such as a
// missing required flag or a value out of range; it exits with status 2
// and the usage text.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef builds a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func usage(w io.Writer) {
	fmt.Fprint(w, "rtcterm — video calls in the terminal\n\nUsage:\n  rtcterm <command> [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nRun 'rtcterm <command> --help' for the flags of a command.\n")
}

func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: rtcterm %s %s\n\n%s.\n", c.name, c.usage, strings.ToUpper(c.summary[:1])+c.summary[1:])
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		fs.PrintDefaults()
	}
}
