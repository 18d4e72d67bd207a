package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/livekit/protocol/auth"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server/web"
)

// handoverFront stands in for the v1.1 server side of issue #13 while the
// browser side is tested on its own: it serves the web client (with the
// policy for its LiveKit URL) and relays every WebSocket to a real
// signaling server, so the mesh is the real one; on the test's word it
// sends the contract's messages (docs/protocol.md, v1.1) itself: sfu-switch
// with a token per member, welcome.sfu for joiners of a room on LiveKit,
// notice. It records what each page sends, and keeps sfu-joined to itself.
//
// The real server runs the same switch in handover_mixed_test.go; the
// front stays for what the server cannot be made to do on cue: move a
// room at a moment the test picks (after the mesh is up, with a LiveKit
// participant that is not a member), send a LiveKit URL its pre-flight
// never accepted (the client's own failure path), send a notice holding
// control characters and markup (the server cleans them first), and show
// which messages each page sent after the switch.
type handoverFront struct {
	t        testing.TB
	base     string // http://127.0.0.1:PORT, the page's origin
	upstream string // the signaling server's ws:// address
	lkURL    string
	key, sec string

	mu      sync.Mutex
	conns   map[*frontConn]bool // open
	all     []*frontConn        // every connection there was, for what pages sent
	onSFU   map[string]string   // rtcterm room → reason, once moved
	wg      sync.WaitGroup
	closing bool
}

// frontConn is one page's WebSocket through the front.
type frontConn struct {
	down, up *websocket.Conn
	mu       sync.Mutex
	peerID   string
	name     string
	room     string
	sent     []sentMsg // what the page sent, in order
}

// sentMsg is a message a page sent, with when the front saw it.
type sentMsg struct {
	Type string
	At   time.Time
}

// startHandoverFront runs the front on loopback until the test ends.
func startHandoverFront(t testing.TB, upstreamWS string, lk testkit.LiveKit) *handoverFront {
	t.Helper()
	page, err := web.New(web.Config{LiveKitURL: lk.URL})
	if err != nil {
		t.Fatal(err)
	}
	f := &handoverFront{t: t, upstream: upstreamWS, lkURL: lk.URL, key: lk.Key, sec: lk.Secret,
		conns: map[*frontConn]bool{}, onSFU: map[string]string{}}
	mux := http.NewServeMux()
	mux.Handle("/", page)
	mux.HandleFunc("/ws", f.relay)
	srv := httptest.NewServer(mux)
	f.base = srv.URL
	t.Cleanup(func() {
		f.mu.Lock()
		f.closing = true
		for c := range f.conns {
			_ = c.down.CloseNow()
			_ = c.up.CloseNow()
		}
		f.mu.Unlock()
		f.wg.Wait()
		srv.Close()
	})
	return f
}

// relay joins a page's WebSocket to one of its own to the server.
func (f *handoverFront) relay(w http.ResponseWriter, r *http.Request) {
	down, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	up, _, err := websocket.Dial(r.Context(), f.upstream, nil)
	if err != nil {
		_ = down.Close(websocket.StatusTryAgainLater, "upstream")
		return
	}
	c := &frontConn{down: down, up: up}
	f.mu.Lock()
	if f.closing {
		f.mu.Unlock()
		_ = down.CloseNow()
		_ = up.CloseNow()
		return
	}
	f.conns[c] = true
	f.all = append(f.all, c)
	f.wg.Add(2)
	f.mu.Unlock()
	ctx := context.Background()
	go func() { // page → server
		defer f.wg.Done()
		defer up.CloseNow()
		for {
			typ, b, err := down.Read(ctx)
			if err != nil {
				return
			}
			var m struct{ Type, UserName string }
			_ = json.Unmarshal(b, &m)
			c.mu.Lock()
			if m.Type == "join" {
				c.name = m.UserName
			}
			c.sent = append(c.sent, sentMsg{m.Type, time.Now()})
			c.mu.Unlock()
			if m.Type == "sfu-joined" {
				continue // v1.1's count, which the v1 server does not know
			}
			if up.Write(ctx, typ, b) != nil {
				return
			}
		}
	}()
	go func() { // server → page
		defer f.wg.Done()
		defer down.CloseNow()
		defer func() {
			f.mu.Lock()
			delete(f.conns, c)
			f.mu.Unlock()
		}()
		for {
			typ, b, err := up.Read(ctx)
			if err != nil {
				return
			}
			b = f.rewrite(c, b)
			if down.Write(ctx, typ, b) != nil {
				return
			}
		}
	}()
}

// rewrite notes who a welcome is for, and adds welcome.sfu when the room
// is on LiveKit.
func (f *handoverFront) rewrite(c *frontConn, b []byte) []byte {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m["type"] != "welcome" {
		return b
	}
	id, _ := m["peerId"].(string)
	room, _ := m["room"].(string)
	c.mu.Lock()
	c.peerID, c.room = id, room
	name := c.name
	c.mu.Unlock()
	f.mu.Lock()
	reason, moved := f.onSFU[room]
	f.mu.Unlock()
	if !moved {
		return b
	}
	m["sfu"] = map[string]any{"url": f.lkURL, "room": "rtcterm-" + room, "token": f.token(room, id, name), "reason": reason}
	out, err := json.Marshal(m)
	if err != nil {
		f.t.Errorf("front: %v", err)
		return b
	}
	return out
}

// token mints what the v1.1 server gives a member (handover-contract.md):
// identity the peer id, the rtcterm room's LiveKit room, 10 minutes.
func (f *handoverFront) token(room, identity, name string) string {
	yes := true
	tok, err := auth.NewAccessToken(f.key, f.sec).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: "rtcterm-" + room, CanPublish: &yes, CanSubscribe: &yes, CanPublishData: &yes}).
		SetIdentity(identity).SetName(name).SetValidFor(10 * time.Minute).ToJWT()
	if err != nil {
		f.t.Errorf("front: token: %v", err)
	}
	return tok
}

// members are the front's connections that were welcomed into room.
func (f *handoverFront) members(room string) []*frontConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*frontConn
	for c := range f.conns {
		c.mu.Lock()
		if c.room == room && c.peerID != "" {
			out = append(out, c)
		}
		c.mu.Unlock()
	}
	return out
}

// sendTo writes a message to one page, as the server would.
func (f *handoverFront) sendTo(c *frontConn, msg map[string]any) {
	b, err := json.Marshal(msg)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.down.Write(ctx, websocket.MessageText, b); err != nil {
		f.t.Errorf("front: write to %s: %v", c.peerID, err)
	}
}

// moveToLiveKit marks room as on LiveKit (joiners get welcome.sfu) and
// sends every member its sfu-switch; it returns when they were sent.
func (f *handoverFront) moveToLiveKit(room, reason string) time.Time {
	f.mu.Lock()
	f.onSFU[room] = reason
	f.mu.Unlock()
	at := time.Now()
	for _, c := range f.members(room) {
		c.mu.Lock()
		id, name := c.peerID, c.name
		c.mu.Unlock()
		f.sendTo(c, map[string]any{"type": "sfu-switch", "url": f.lkURL, "room": "rtcterm-" + room,
			"token": f.token(room, id, name), "reason": reason})
	}
	return at
}

// notice sends every member of room a v1.1 notice.
func (f *handoverFront) notice(room, level, message string) {
	for _, c := range f.members(room) {
		f.sendTo(c, map[string]any{"type": "notice", "level": level, "message": message})
	}
}

// sentTypes is what the page welcomed as peerID sent since from, over
// all its connections (a page that reconnects keeps its peer id).
func (f *handoverFront) sentTypes(peerID string, from time.Time) []string {
	f.mu.Lock()
	all := append([]*frontConn(nil), f.all...)
	f.mu.Unlock()
	var out []string
	for _, c := range all {
		c.mu.Lock()
		if c.peerID == peerID {
			for _, m := range c.sent {
				if !m.At.Before(from) {
					out = append(out, m.Type)
				}
			}
		}
		c.mu.Unlock()
	}
	return out
}

// sent reports whether the page welcomed as peerID sent a message of typ.
func (f *handoverFront) sent(peerID, typ string) bool {
	return slices.Contains(f.sentTypes(peerID, time.Time{}), typ)
}
