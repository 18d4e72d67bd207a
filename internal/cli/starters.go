package cli

import (
	"context"
	"io"
	"net"
	"os"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/demo"
	"github.com/rtcterm/rtcterm/internal/quiet"
	"github.com/rtcterm/rtcterm/server"
)

// starters are everything the commands start once their flags are valid.
// Run uses the real ones; tests replace them to prove that a command with
// a bad flag reaches none of them.
type starters struct {
	call   func(ctx context.Context, cfg call.Config, out, errOut io.Writer) error
	demo   func(ctx context.Context, cfg demo.Config) (demoCall, error)
	listen func(network, addr string) (net.Listener, error)
	server func(cfg server.Config) (*server.Server, error)
	// quiet keeps C libraries' output (audio back ends) off the terminal
	// while a call runs: it returns where rtcterm's own standard error
	// output goes meanwhile, and the function that ends it.
	quiet func(logFile string, errOut io.Writer) (io.Writer, func())
	// device reports whether a device ID of a kind ("audio", "video",
	// "speaker") exists, with devices.ErrNoSuchDevice when it does not.
	device func(kind, id string) error
}

// demoCall is what the demo command needs of a running demo.
type demoCall interface {
	URL() string
	JoinHint() string
	LiveKit() *call.LiveKit // nil for the mesh demo
	Close()
}

func realStarters() starters {
	return starters{
		call: call.Run,
		demo: func(ctx context.Context, cfg demo.Config) (demoCall, error) {
			if cfg.LiveKit {
				d, err := demo.StartLiveKit(ctx, cfg)
				if err != nil {
					return nil, err
				}
				return d, nil
			}
			d, err := demo.Start(ctx, cfg)
			if err != nil {
				return nil, err
			}
			return d, nil
		},
		listen: net.Listen,
		server: server.New,
		quiet:  divertStderr,
		device: devices.CheckDevice,
	}
}

// divertStderr points fd 2 at the log file (or nowhere) when errOut is the
// process's stderr; everything rtcterm writes there goes to the original.
func divertStderr(logFile string, errOut io.Writer) (io.Writer, func()) {
	if errOut != os.Stderr {
		return errOut, func() {}
	}
	orig, undo, err := quiet.Divert(logFile)
	if err != nil {
		return errOut, func() {}
	}
	return orig, undo
}
