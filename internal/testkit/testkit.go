// Package testkit is what rtcterm's tests share, in the spirit of
// net/http/httptest: a signaling server on loopback, waiting for a
// condition, and a recorder that folds a session's actions into the state a
// UI would show. Only tests import it.
package testkit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/server"
)

// PollInterval is how often Eventually checks its condition.
const PollInterval = 5 * time.Millisecond

// Server is a signaling server running on a loopback port for one test.
type Server struct {
	Addr string // host:port
	Base string // http://host:port
	WS   string // ws://host:port/ws
}

// StartServer runs a signaling server with cfg on 127.0.0.1:0 until the
// test ends. A nil cfg.Logger discards the server's log.
func StartServer(t testing.TB, cfg server.Config) Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
	})
	addr := ln.Addr().String()
	return Server{Addr: addr, Base: "http://" + addr, WS: "ws://" + addr + "/ws"}
}

// Eventually waits until cond holds, checking every PollInterval, and fails
// the test with what when timeout passes first.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(PollInterval)
	}
}
