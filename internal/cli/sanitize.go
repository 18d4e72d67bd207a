package cli

import "github.com/rtcterm/rtcterm/tui"

// maxErrorCells bounds an error line printed after the call.
const maxErrorCells = 400

// Sanitize makes text that may come from a server, a peer or the command
// line safe to print to a terminal: tui's one sanitizer, so no escape
// sequence, control, bidi or zero-width character gets through.
func Sanitize(s string) string { return tui.Sanitize(s, maxErrorCells) }
