package rtc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/rtcterm/rtcterm/signal"
)

// hostileConn is the server end of one client's WebSocket on a hostile
// signaling server: the test sends it whatever the protocol allows, in
// any quantity, and sees what the client sends.
type hostileConn struct {
	ctx  context.Context
	ws   *websocket.Conn
	join *signal.Join
	// recv holds the client's messages after its join; a full channel
	// drops them (the tests only look for a few).
	recv chan signal.Message
}

// send writes one message, failing the test on an encoding error and
// reporting whether the client is still there.
func (c *hostileConn) send(t testing.TB, m signal.Message) bool {
	data, err := signal.Encode(m)
	if err != nil {
		t.Errorf("encode %T: %v", m, err)
		return false
	}
	return c.ws.Write(c.ctx, websocket.MessageText, data) == nil
}

// waitFor returns the client's next message of type typ, or nil when the
// client went away first.
func (c *hostileConn) waitFor(typ string) signal.Message {
	for {
		select {
		case m := <-c.recv:
			if m.MessageType() == typ {
				return m
			}
		case <-c.ctx.Done():
			return nil
		}
	}
}

// startHostileServer runs a signaling server that welcomes every join
// with peer id "victim" and the peers of welcome, then hands the
// connection to script, which runs until it returns or the client leaves.
// It returns the ws:// URL.
func startHostileServer(t testing.TB, welcome []signal.PeerInfo, script func(c *hostileConn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(signal.MaxFrameBytes)
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		m, err := signal.Decode(data)
		join, ok := m.(*signal.Join)
		if err != nil || !ok {
			return
		}
		c := &hostileConn{ctx: ctx, ws: ws, join: join, recv: make(chan signal.Message, 1024)}
		go func() { // read until the client goes: pongs, leave, answers
			defer cancel()
			for {
				_, data, err := ws.Read(ctx)
				if err != nil {
					return
				}
				if m, err := signal.Decode(data); err == nil {
					select {
					case c.recv <- m:
					default:
					}
				}
			}
		}()
		if !c.send(t, &signal.Welcome{PeerID: "victim", Room: join.Room, Peers: welcome}) {
			return
		}
		script(c)
		<-ctx.Done() // keep the connection until the client leaves
	}))
	t.Cleanup(srv.Close) // after the members, registered later (cleanups run last-in first-out)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// peerCounts reports how many peers the session keeps and how many of them
// have a PeerConnection.
func peerCounts(s *Session) (peers, pcs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		if p.pc != nil {
			pcs++
		}
	}
	return len(s.peers), pcs
}
