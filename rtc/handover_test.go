package rtc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/store"
)

// scriptedSFU is a server.SFUBackend whose pre-flight fails while down is
// set; its tokens are fixed strings naming the member.
type scriptedSFU struct {
	mu   sync.Mutex
	down bool
}

func (f *scriptedSFU) Preflight(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return server.ErrSFUUnreachable
	}
	return nil
}

func (f *scriptedSFU) Token(room, identity, _ string, _ time.Duration) (string, error) {
	return "tok." + identity, nil
}

// moves collects what OnSFU was told, per member.
type moves struct {
	mu  sync.Mutex
	got []SFUMove
}

func (m *moves) add(v SFUMove) { m.mu.Lock(); m.got = append(m.got, v); m.mu.Unlock() }
func (m *moves) list() []SFUMove {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SFUMove(nil), m.got...)
}

// TestHandoverSignals: a mesh of two that the server moves to the SFU
// tells OnSFU (an sfu-switch with our own token); LeaveMesh closes the
// peer connections and the rows go, while chat still flows; a joiner
// welcomed into the SFU room never negotiates a mesh; a notice becomes a
// ServerNotice action.
func TestHandoverSignals(t *testing.T) {
	sfu := &scriptedSFU{down: true}
	url := testkit.StartServer(t, server.Config{Logger: discardLogger(), SFU: sfu, SFUURL: "ws://127.0.0.1:7880", SFUAt: 2}).WS
	var mv [3]moves
	var ms []*member
	for i, name := range []string{"A", "B"} {
		media := newFakeMedia()
		cfg := testConfig(url, "r", name, media)
		cfg.OnSFU = mv[i].add
		ms = append(ms, startMember(t, cfg, media))
	}
	waitFor(t, 20*time.Second, "a mesh of two", allConnected(ms))
	waitFor(t, 20*time.Second, "the notice", func() bool {
		for _, m := range ms {
			if !m.sawNotice() {
				return false
			}
		}
		return true
	})
	sfu.mu.Lock()
	sfu.down = false
	sfu.mu.Unlock()
	waitFor(t, 20*time.Second, "sfu-switch at both", func() bool { return len(mv[0].list()) == 1 && len(mv[1].list()) == 1 })
	for i, m := range ms {
		got := mv[i].list()[0]
		if got.Welcome || got.Room != "rtcterm-r" || got.Token != "tok."+peerIDOf(m) || got.SelfID != peerIDOf(m) || got.People != 2 {
			t.Errorf("%s: move %+v", m.name, got)
		}
		if store.SelectConnectedCount(m.snapshot()) != 1 {
			t.Errorf("%s: the mesh went before LeaveMesh", m.name)
		}
	}
	for _, m := range ms {
		m.s.LeaveMesh()
	}
	waitFor(t, 20*time.Second, "the mesh closed", func() bool {
		return len(ms[0].snapshot().Connections) == 0 && len(ms[1].snapshot().Connections) == 0
	})
	if err := ms[0].s.SendChat("after the move"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "chat after the move", func() bool {
		c := ms[1].snapshot().Chat
		return len(c) == 1 && c[0].Text == "after the move"
	})

	media := newFakeMedia()
	cfg := testConfig(url, "r", "C", media)
	cfg.OnSFU = mv[2].add
	c := startMember(t, cfg, media)
	waitFor(t, 20*time.Second, "C's move", func() bool { return len(mv[2].list()) == 1 })
	if got := mv[2].list()[0]; !got.Welcome || got.People != 3 || got.Token != "tok."+peerIDOf(c) {
		t.Errorf("C: move %+v", got)
	}
	time.Sleep(time.Second) // give a mesh negotiation, which must not happen, time to start
	for _, m := range append(ms, c) {
		if n := len(m.snapshot().Connections); n != 0 {
			t.Errorf("%s: %d mesh rows after the room moved", m.name, n)
		}
	}
	for _, m := range append(ms, c) {
		if err := m.s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Error(err)
		}
	}
}

// TestV1ClientIgnoresTheSwitch: a session without OnSFU is a v1 client:
// the server's sfu-switch changes nothing, the mesh goes on; the notice
// before it is still shown.
func TestV1ClientIgnoresTheSwitch(t *testing.T) {
	sfu := &scriptedSFU{down: true}
	srv := testkit.StartServer(t, server.Config{Logger: discardLogger(), SFU: sfu, SFUURL: "ws://127.0.0.1:7880", SFUAt: 2})
	var ms []*member
	for _, name := range []string{"A", "B"} {
		media := newFakeMedia()
		ms = append(ms, startMember(t, testConfig(srv.WS, "r", name, media), media))
	}
	waitFor(t, 20*time.Second, "a mesh of two", allConnected(ms))
	waitFor(t, 20*time.Second, "the notice", func() bool { return ms[0].sawNotice() && ms[1].sawNotice() })
	sfu.mu.Lock()
	sfu.down = false
	sfu.mu.Unlock()
	// The retry (1 s) moves the room: the server sent sfu-switch.
	waitFor(t, 20*time.Second, "the server moving the room", func() bool {
		resp, err := http.Get(srv.Base + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "rtcterm_signal_sfu_rooms_switched_total 1")
	})
	deadline := time.Now().Add(time.Second) // the switch has reached them by then
	for time.Now().Before(deadline) {
		if !allConnected(ms)() || ms[0].s.meshLeft() || ms[0].s.meshFrozen() {
			t.Fatal("a v1 client left or froze the mesh")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFreezeGivesAPausedLinkVideo: at an sfu-switch the mesh's adaptation
// stops deciding, so a link it had paused (no video to that peer) would
// stay without video until the SFU took over; the freeze gives it the high
// layer, which the SFU is fed anyway, and its frames reach the link.
func TestFreezeGivesAPausedLinkVideo(t *testing.T) {
	lm := newLayeredMedia(800)
	defer lm.Close()
	s := New(Config{Logger: discardLogger()})
	s.media = lm
	pv, err := newPeerVideo(lm, mediacodec.LayerLow, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer pv.close()
	pv.setLayer(noLayer, time.Now()) // the adaptation paused this link
	p := &peer{id: "b"}
	p.video.Store(pv)
	s.peers = map[string]*peer{"b": p}

	s.freezeMesh()
	if _, want := pv.sending(); want != mediacodec.LayerHigh {
		t.Fatalf("after the freeze the link wants %s, want high", layerName(want))
	}
	waitFor(t, 10*time.Second, "the high layer's frames on the link", func() bool {
		cur, _ := pv.sending()
		return cur == mediacodec.LayerHigh
	})
}

// TestFreezeKeepsAHalfBuiltLink: a connection still being set up when the
// sfu-switch arrives stays. The other side may have it up already and be
// sending on it; dropping ours cut that media until the SFU took over.
func TestFreezeKeepsAHalfBuiltLink(t *testing.T) {
	s := New(Config{Logger: discardLogger()})
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	p := &peer{id: "b", pc: pc, restartTimer: time.AfterFunc(time.Hour, func() {})}
	s.peers = map[string]*peer{"b": p}

	s.freezeMesh()
	if p.pc != pc {
		t.Fatal("the freeze dropped a connection that was still coming up")
	}
	if st := pc.ConnectionState(); st == webrtc.PeerConnectionStateClosed {
		t.Fatalf("connection state %s after the freeze", st)
	}
	if p.restartTimer != nil {
		t.Fatal("a planned ICE restart survived the freeze: it would need a negotiation the move stopped")
	}
}
