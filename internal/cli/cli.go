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
	name     string
	summary  string
	usage    string   // arguments after the command name
	examples []string // command lines shown under Examples in help
	// setup registers the command's flags and returns the function that
	// checks them all, once parsed, and then runs the command.
	setup func(fs *flagSet, env LookupEnv, st starters) func(ctx context.Context, io Stdio) error
}

// commands lists every subcommand in the order help shows them.
func commands() []command {
	return []command{
		{"demo", "start a live demo call: local server, bot participants and you", "[flags]",
			[]string{"rtcterm demo", "rtcterm demo --bots 5 --clean", "rtcterm demo --no-tui --duration 10s --stats-json -"}, setupDemo},
		{"join", "join a room on a signaling server", "--server URL --room R [--name N] [flags]",
			[]string{"rtcterm join --server https://call.example.org --room standup --name Ada",
				"RTCTERM_TOKEN=... rtcterm join --server wss://call.example.org --room standup",
				"rtcterm join --server http://127.0.0.1:8443 --room r --no-tui --stats-json - --duration 30s"}, setupJoin},
		{"serve", "run the signaling server (WebSocket) and the browser client", "[flags]",
			[]string{"rtcterm serve", "rtcterm serve --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --token-secret $SECRET"}, setupServe},
		{"token", "print a join token for a server started with --token-secret", "--room R --user U [flags]",
			[]string{"rtcterm token --room standup --user Ada --secret $SECRET --ttl 2h"}, setupToken},
		{"devices", "list cameras, microphones and screens", "", []string{"rtcterm devices"}, setupDevices},
		{"version", "print the version", "", []string{"rtcterm version", "rtcterm --version"}, setupVersion},
		{"help", "show help for rtcterm or a command", "[command]", []string{"rtcterm help join"}, nil},
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
	case "-version", "--version":
		return run(ctx, []string{"version"}, io, env, st)
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
		return runCommand(ctx, c, args[1:], io, env, st)
	}
	fmt.Fprintf(io.Err, "rtcterm: unknown command %q\n", Sanitize(name))
	if s := suggest(name, commands()); s != "" {
		fmt.Fprintf(io.Err, "Did you mean %q?\n", s)
	}
	fmt.Fprint(io.Err, "Run 'rtcterm --help' for the list of commands.\n")
	return ExitUsage
}

// runCommand parses one command's flags, then runs it. Help goes to
// stdout once; a mistake prints one line and where help is, on stderr.
func runCommand(ctx context.Context, c command, args []string, io Stdio, env LookupEnv, st starters) int {
	fs := newFlagSet("rtcterm " + c.name)
	exec := c.setup(fs, env, st)
	hint := func() { fmt.Fprintf(io.Err, "Run 'rtcterm %s --help' for usage.\n", c.name) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(io.Out, c, fs)
			return ExitOK
		}
		fmt.Fprintf(io.Err, "rtcterm %s: %s\n", c.name, Sanitize(flagError(err)))
		hint()
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.Err, "rtcterm %s: unexpected argument %q\n", c.name, Sanitize(fs.Arg(0)))
		hint()
		return ExitUsage
	}
	err := exec(ctx, io)
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(io.Err, "rtcterm %s: %s\n", c.name, Sanitize(err.Error()))
		hint()
		return ExitUsage
	default:
		// Errors carry text from servers and peers: never raw to the terminal.
		fmt.Fprintf(io.Err, "rtcterm %s: %s\n", c.name, Sanitize(describe(err)))
		return ExitFail
	}
}

// flagError rewords the flag package's errors in the double-dash form.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		return "invalid value " + strings.Replace(rest, " for flag -", " for --", 1)
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		return "invalid value " + strings.Replace(rest, " for -", " for --", 1)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "--" + name + " needs a value"
	}
	return msg
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

func commandUsage(w io.Writer, c command, fs *flagSet) {
	fmt.Fprintf(w, "Usage: rtcterm %s %s\n\n%s.\n", c.name, c.usage, strings.ToUpper(c.summary[:1])+c.summary[1:])
	fs.printDefaults(w)
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
