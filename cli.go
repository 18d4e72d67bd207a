package main

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
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// stdio is where a command reads and writes.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// lookupEnv is os.LookupEnv, injectable for tests.
type lookupEnv func(string) (string, bool)

// command is one subcommand: its flags and what it runs.
type command struct {
	name    string
	summary string
	usage   string // arguments after the command name
	// setup registers the command's flags and returns the function that runs
	// it once they are parsed.
	setup func(fs *flag.FlagSet, env lookupEnv) func(ctx context.Context, io stdio) error
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

// run executes the command line and returns the process exit status.
func run(ctx context.Context, args []string, io stdio, env lookupEnv) int {
	if len(args) == 0 {
		usage(io.err)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(io.out)
		return exitOK
	case "help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, io, env)
		}
		usage(io.out)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name || c.setup == nil {
			continue
		}
		fs := flag.NewFlagSet("rtcterm "+c.name, flag.ContinueOnError)
		fs.SetOutput(io.err)
		exec := c.setup(fs, env)
		fs.Usage = func() { commandUsage(fs.Output(), c, fs) }
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(io.out)
				fs.Usage()
				return exitOK
			}
			return exitUsage // flag already printed the error and usage
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(io.err, "rtcterm %s: unexpected argument %q\n", c.name, fs.Arg(0))
			fs.Usage()
			return exitUsage
		}
		err := exec(ctx, io)
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(io.err, "rtcterm %s: %v\n", c.name, err)
			fs.Usage()
			return exitUsage
		default:
			fmt.Fprintf(io.err, "rtcterm %s: %v\n", c.name, err)
			return exitFail
		}
	}
	fmt.Fprintf(io.err, "rtcterm: unknown command %q\n\n", name)
	usage(io.err)
	return exitUsage
}

// usageError is a command-line mistake found after flag parsing, such as a
// missing required flag; it exits with status 2 and the usage text.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

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

// envDefault returns the environment variable's value when it is set, the
// fallback otherwise, so every flag can be given as RTCTERM_*.
func envDefault(env lookupEnv, key, fallback string) string {
	if v, ok := env(key); ok && v != "" {
		return v
	}
	return fallback
}

// envName is the default user name: RTCTERM_NAME, then the login name.
func envName(env lookupEnv) string {
	if v := envDefault(env, "RTCTERM_NAME", ""); v != "" {
		return v
	}
	if v, ok := env("USER"); ok && v != "" {
		return v
	}
	return "me"
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
