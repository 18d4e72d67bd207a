package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// TestUpdateAndViewDoNoIO drives the model through every key and every
// kind of message with the engine guarded, running no command: the fake
// engine fails the test if Update or View calls it. Then it runs the
// commands and checks they, and only they, reached the engine.
func TestUpdateAndViewDoNoIO(t *testing.T) {
	h, v := newVideoHarness(t, callState(5))
	var cmds []tea.Cmd
	msgs := []tea.Msg{
		tea.WindowSizeMsg{Width: 120, Height: 40},
		statsTick{},
		keyPress("m"), keyPress("v"), keyPress("s"), keyPress("j"), keyPress("r"),
		keyPress("d"), keyPress("?"), keyPress("esc"), keyPress("k"), keyPress("up"), keyPress("down"),
		keyPress("t"), tea.WindowSizeMsg{Width: 100, Height: 30},
		keyPress("f"), keyPress("j"), keyPress("esc"), keyPress("enter"), keyPress("esc"), keyPress("esc"),
		tea.WindowSizeMsg{Width: 20, Height: 5}, tea.WindowSizeMsg{Width: 160, Height: 48},
		VideoUpdate{Frames: []VideoFrame{{PeerID: "p00", Width: 4, Height: 1, Lines: []string{"abcd"}}}},
		store.UpdateRemoteMedia{PeerID: "p00", Video: false},
		store.AddPeerConnection{PeerID: "x", UserName: "X", At: t0},
		store.UpdateConnectionStatus{PeerID: "x", Status: store.StatusConnected, At: t0},
		store.CollectConnectionStatsFulfilled{PeerID: "x", Epoch: 1, At: t0},
		store.UpdateRecovery{PeerID: "p03", Recovery: store.Recovery{Attempt: 2, MaxAttempts: 5, NextAt: t0.Add(time.Second)}},
		store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingReconnecting, Attempt: 1}},
		store.SetConnectionError{Error: "oops"},
		store.RemovePeerConnection{PeerID: "x"},
		result{op: opAudio},
		result{op: opVideo, what: "camera", err: errBoom},
		store.ToggleAudio{Enabled: false},
		dumped{path: "/tmp/x.json"},
		store.ChatReceived{From: "p01", UserName: "B", Text: "hi", At: t0},
		keyPress("c"), keyPress("h"), keyPress("q"), tea.PasteMsg{Content: "x"}, keyPress("enter"),
		store.ChatSent{Text: "hqx", At: t0}, store.ChatRefused{Reason: "r"}, keyPress("esc"),
		keyPress("q"),
	}
	for _, msg := range msgs {
		if cmd := h.update(msg); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	if calls := h.eng.Calls(); len(calls) != 0 {
		t.Fatalf("engine called outside commands: %q", calls)
	}
	for _, cmd := range cmds {
		execute(cmd)
	}
	if len(h.eng.Calls()) == 0 {
		t.Fatal("commands did not reach the engine")
	}
	if v.lastTiles() == nil {
		t.Fatal("commands did not reach the video source")
	}
}
