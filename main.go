// Command rtcterm is a video-call client for the terminal: real WebRTC
// calls with a live per-peer connection table, a signaling server with a
// browser client, and a self-contained demo call.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtcterm/rtcterm/internal/cli"
)

func main() {
	// Every way a terminal session ends leaves the call cleanly: the
	// terminal restored and leave sent. SIGHUP is a closed terminal or a
	// dropped SSH connection; SIGQUIT dumps goroutines only when asked to
	// (RTCTERM_DEBUG=1), as Go does by default.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
	if os.Getenv("RTCTERM_DEBUG") == "" {
		sigs = append(sigs, syscall.SIGQUIT)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	code := cli.Run(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.LookupEnv)
	stop()
	os.Exit(code)
}
