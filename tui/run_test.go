package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// startRun runs the whole program on a pipe instead of a terminal and
// returns the write end of its input and the channel Run's error arrives on.
func startRun(t *testing.T, ctx context.Context, eng *fakeEngine, actions <-chan store.Action) (*os.File, <-chan error) {
	t.Helper()
	in, keys, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); keys.Close() })
	opts := Options{Engine: eng, Initial: callState(0), Now: func() time.Time { return t0 }, StatsInterval: 10 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, opts, actions, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24))
	}()
	return keys, done
}

func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// waitCall waits until the engine has seen a call.
func waitCall(t *testing.T, eng *fakeEngine, call string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(eng.Calls(), call) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s; calls %q", call, eng.Calls())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunLeavesOnContextDone: actions reach the program (stats polling
// starts for the peer they add), and cancelling ctx leaves the call.
func TestRunLeavesOnContextDone(t *testing.T) {
	eng := newFakeEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	actions := make(chan store.Action)
	_, done := startRun(t, ctx, eng, actions)
	actions <- store.AddPeerConnection{PeerID: "p", UserName: "Grace", At: t0}
	actions <- store.UpdateConnectionStatus{PeerID: "p", Status: store.StatusConnected, At: t0}
	close(actions) // a closed channel is fine
	waitCall(t, eng, `CollectStats("p")`)
	cancel()
	if err := waitErr(t, done); err != nil {
		t.Fatal(err)
	}
	waitCall(t, eng, "Leave()")
}

// TestRunQuitKey: q on the input leaves the call and ends Run cleanly.
func TestRunQuitKey(t *testing.T) {
	eng := newFakeEngine(t)
	keys, done := startRun(t, context.Background(), eng, nil)
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done); err != nil {
		t.Fatal(err)
	}
	waitCall(t, eng, "Leave()")
}

// TestRunFatalCause: a context cancelled with a Fatal cause ends Run with
// that error, without waiting to leave.
func TestRunFatalCause(t *testing.T) {
	eng := newFakeEngine(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	_, done := startRun(t, ctx, eng, nil)
	cancel(Fatal{Err: errBoom})
	if err := waitErr(t, done); !errors.Is(err, errBoom) {
		t.Fatalf("Run returned %v", err)
	}
}

// TestRunLeaveError: an error from leaving is returned after the terminal
// is restored.
func TestRunLeaveError(t *testing.T) {
	eng := newFakeEngine(t)
	eng.fail["Leave"] = errBoom
	keys, done := startRun(t, context.Background(), eng, nil)
	keys.Write([]byte("q"))
	if err := waitErr(t, done); !errors.Is(err, errBoom) {
		t.Fatalf("Run returned %v", err)
	}
}
