package signal_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// welcomeAndClose is a hostile server: it answers every join with a welcome
// and closes the connection at once. It returns its host:port.
func welcomeAndClose(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if _, _, err := ws.Read(ctx); err != nil {
			return
		}
		b, _ := signal.Encode(signal.Welcome{PeerID: "p1", Room: "r", Resume: &signal.Resume{PeerID: "p1", Secret: "s"}})
		ws.Write(ctx, websocket.MessageText, b)
	})}
	wg.Go(func() { hs.Serve(ln) })
	t.Cleanup(func() {
		hs.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// drainMessages keeps Run from blocking on Messages.
func drainMessages(r *running) {
	go func() {
		for range r.Messages() {
		}
	}()
}

// TestClientBackoffGrowsWhenServerClosesAfterWelcome: each welcome followed
// by an immediate close counts as a failed attempt, so the delays double
// instead of starting over at MinBackoff every time.
func TestClientBackoffGrowsWhenServerClosesAfterWelcome(t *testing.T) {
	cfg := cfgFor(welcomeAndClose(t), "r", "A")
	cfg.MinBackoff, cfg.MaxBackoff = 2*time.Millisecond, 32*time.Millisecond
	cfg.Rand = func() float64 { return 0 } // delay = half the backoff, exactly
	cfg.StableAfter = time.Hour            // no connection here is stable
	c := start(t, cfg)
	drainMessages(c)
	want := []time.Duration{1, 2, 4, 8, 16, 16, 16} // ms
	attempt := 0
	for attempt < len(want) {
		s := c.nextState()
		if s.Status != signal.ClientReconnecting {
			continue
		}
		if s.Attempt != attempt+1 || s.Delay != want[attempt]*time.Millisecond {
			t.Fatalf("reconnect %d: attempt %d delay %v, want attempt %d delay %v",
				attempt+1, s.Attempt, s.Delay, attempt+1, want[attempt]*time.Millisecond)
		}
		attempt++
	}
}

// TestClientBackoffResetsAfterStableConnection: with a clock that says every
// connection lasted a minute, each loss is treated as the first.
func TestClientBackoffResetsAfterStableConnection(t *testing.T) {
	cfg := cfgFor(welcomeAndClose(t), "r", "A")
	cfg.MinBackoff, cfg.MaxBackoff = 2*time.Millisecond, 32*time.Millisecond
	cfg.Rand = func() float64 { return 0 }
	cfg.StableAfter = 10 * time.Second
	var ticks atomic.Int64
	base := time.Unix(1_700_000_000, 0)
	cfg.Now = func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Minute) }
	c := start(t, cfg)
	drainMessages(c)
	for seen := 0; seen < 4; {
		s := c.nextState()
		if s.Status != signal.ClientReconnecting {
			continue
		}
		if s.Attempt != 1 || s.Delay != time.Millisecond {
			t.Fatalf("reconnect %d: attempt %d delay %v, want attempt 1 delay 1ms", seen+1, s.Attempt, s.Delay)
		}
		seen++
	}
}
