package cli

import (
	"errors"
	"os"

	"github.com/charmbracelet/x/term"
)

// errNoTerminal is returned when the UI is asked for without a terminal.
var errNoTerminal = errors.New("the terminal UI needs a terminal on standard output; use --no-tui (with --stats-json -) for scripts")

// checkTerminal fails early, before anything starts, when the UI is wanted
// but standard output is not a terminal.
func checkTerminal(noTUI bool) error {
	if noTUI || term.IsTerminal(os.Stdout.Fd()) {
		return nil
	}
	return errNoTerminal
}
