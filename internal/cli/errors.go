package cli

import (
	"errors"

	"github.com/rtcterm/rtcterm/internal/demo"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/signal"
)

// describe is the one line printed for a command's failure: the innermost
// error a user can act on, with the flag that fixes it, instead of the
// chain of packages it passed through.
func describe(err error) string {
	var de *signal.DialError
	if errors.As(err, &de) {
		return de.Error() + " — check --server"
	}
	if errors.Is(err, lkengine.ErrUnauthorized) || errors.Is(err, lkengine.ErrUnreachable) || errors.Is(err, demo.ErrNoLiveKitServer) {
		return err.Error() // names the flag already
	}
	var se *signal.Error
	if errors.As(err, &se) {
		switch se.Code {
		case signal.CodeUnauthorized:
			return se.Error() + " — pass --token or RTCTERM_TOKEN; the room's host prints one with `rtcterm token`"
		case signal.CodeBadMessage:
			if se.Ref == signal.TypeJoin {
				return se.Error() + " — check --room and --name"
			}
		}
		return se.Error()
	}
	return err.Error()
}
