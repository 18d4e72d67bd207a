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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.LookupEnv)
	stop()
	os.Exit(code)
}
