package signal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// runToEnd runs a client against url with tiny backoffs and returns what
// Run returned and how many attempts it made.
func runToEnd(t *testing.T, url string) (error, int) {
	t.Helper()
	c := NewClient(ClientConfig{URL: url, Join: Join{Room: "r", UserName: "u"},
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, DialTimeout: 2 * time.Second})
	attempts := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range c.States() {
			if s.Status == ClientConnecting || s.Status == ClientReconnecting {
				attempts++
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := c.Run(ctx)
	<-done
	return err, attempts
}

func TestRefusedServerGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err, attempts := runToEnd(t, "ws://"+addr+"/ws")
	var de *DialError
	if !errors.As(err, &de) || de.Reason != "connection refused" || de.Permanent || de.Host != addr {
		t.Fatalf("Run: %v (%#v)", err, de)
	}
	if attempts != 4 {
		t.Errorf("%d attempts before giving up, want 4", attempts)
	}
	if want := "cannot reach " + addr + " (connection refused)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestPermanentDialFailuresStopAtOnce(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for _, c := range []struct {
		name, url, reason string
	}{
		{"HTTP status", "ws" + strings.TrimPrefix(notFound.URL, "http") + "/ws", "HTTP 404"},
		{"TLS to a plain server", "wss" + strings.TrimPrefix(plain.URL, "http") + "/ws", "does not speak TLS"},
		{"unknown host", "ws://no-such-host.invalid:1/ws", "unknown host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err, attempts := runToEnd(t, c.url)
			var de *DialError
			if !errors.As(err, &de) || !de.Permanent || !strings.Contains(de.Reason, c.reason) {
				t.Fatalf("Run: %v (%#v)", err, de)
			}
			if attempts != 1 {
				t.Errorf("%d attempts for a permanent failure", attempts)
			}
		})
	}
}

func TestRefusalReadsAsOneSentence(t *testing.T) {
	e := &Error{Code: CodeRoomFull, Message: "the room is full: it holds 2 people", Ref: TypeJoin}
	if got, want := e.Error(), "the server refused join: the room is full: it holds 2 people (room-full)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestFloodingServerIsReadAtTheBudget: a server sending far more messages
// than any room does is read at MaxMessagesPerSecond, not as fast as it
// can send (counted messages against the budget, not timed).
func TestFloodingServerIsReadAtTheBudget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		if _, _, err := c.Read(ctx); err != nil {
			return
		}
		welcome, _ := Encode(Welcome{PeerID: "me", Room: "r"})
		_ = c.Write(ctx, websocket.MessageText, welcome)
		cand, _ := Encode(ICECandidate{From: "x", Candidate: CandidateInit{Candidate: "candidate:1 1 udp 1 10.0.0.1 1 typ host"}})
		for ctx.Err() == nil {
			if c.Write(ctx, websocket.MessageText, cand) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := NewClient(ClientConfig{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Join: Join{Room: "r", UserName: "u"},
		MaxMessagesPerSecond: 100, MessageBurst: 50})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	go func() {
		for range c.States() {
		}
	}()
	start := time.Now()
	n := 0
	for n < 150 {
		<-c.Messages()
		n++
	}
	elapsed := time.Since(start)
	cancel()
	t0 := time.Now()
	<-done
	t.Logf("read 150 in %v; Run returned %v after cancel", elapsed, time.Since(t0))
	// 50 at once, then 100 a second: 150 messages cannot take less than
	// about a second, however fast the server writes.
	if elapsed < 900*time.Millisecond {
		t.Errorf("150 messages read in %v, faster than the budget allows", elapsed)
	}
}
