package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// TestLoad: 200 clients in 50 rooms exchange 20,000 relayed offers. Every
// offer must arrive exactly once, in order per sender, only in its own room.
func TestLoad(t *testing.T) {
	const (
		rooms    = 50
		perRoom  = 4
		perPeer  = 100 // offers each client sends, round-robin to its roommates
		clients  = rooms * perRoom
		expected = clients * perPeer
	)
	if testing.Short() {
		t.Skip("load test")
	}
	ts := newTestServer(t, Config{JoinRate: 1e6, JoinBurst: 1e6})
	type member struct {
		c    *tclient
		room string
	}
	all := make([]member, clients)
	roomOf := map[string]string{} // peer id -> room
	for i := range all {
		room := fmt.Sprintf("load-%02d", i/perRoom)
		c := dial(t, ts.url)
		c.join(room, fmt.Sprint("user", i))
		all[i] = member{c, room}
		roomOf[c.peerID] = room
	}

	// Send concurrently: offers, then one media-state as an end marker that,
	// by per-sender ordering, follows all of that sender's offers.
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range all {
		wg.Go(func() {
			me := all[i]
			base := (i / perRoom) * perRoom
			var mates []string
			for j := base; j < base+perRoom; j++ {
				if j != i {
					mates = append(mates, all[j].c.peerID)
				}
			}
			seq := map[string]int{}
			for k := range perPeer {
				to := mates[k%len(mates)]
				b, _ := signal.Encode(signal.Offer{To: to, SDP: me.room + "|" + strconv.Itoa(seq[to])})
				seq[to]++
				if err := me.c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
					errs <- err
					return
				}
			}
			b, _ := signal.Encode(signal.MediaStateUpdate{Audio: true})
			if err := me.c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	total := 0
	for _, me := range all {
		next := map[string]int{}
		markers := 0
		for markers < perRoom-1 {
			switch m := me.c.recv().(type) {
			case *signal.PeerJoined:
			case *signal.MediaStateUpdate:
				if roomOf[m.From] != me.room {
					t.Fatalf("marker from %s crossed into %s", m.From, me.room)
				}
				markers++
			case *signal.Offer:
				room, seqStr, _ := strings.Cut(m.SDP, "|")
				if room != me.room || roomOf[m.From] != me.room {
					t.Fatalf("offer %q from %s (room %s) reached room %s", m.SDP, m.From, roomOf[m.From], me.room)
				}
				if seqStr != strconv.Itoa(next[m.From]) {
					t.Fatalf("from %s: got seq %s, want %d (lost, duplicated or reordered)", m.From, seqStr, next[m.From])
				}
				next[m.From]++
				total++
			default:
				t.Fatalf("unexpected %T %+v", m, m)
			}
		}
	}
	if total != expected {
		t.Fatalf("delivered %d offers, want %d", total, expected)
	}
	if got := counterValue(t, ts.Server, "rtcterm_signal_relayed_messages_total", "offer"); got != expected {
		t.Errorf("relayed offers metric %v, want %d", got, expected)
	}
}
