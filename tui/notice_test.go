package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// TestRecoveryNotice: the notification counts down to the next attempt as
// the clock moves, and says so when the peer is back.
func TestRecoveryNotice(t *testing.T) {
	now := t0
	h := newHarness(t, callState(1))
	h.m.opts.Now = func() time.Time { return now }
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusFailed, At: now})
	if got := h.m.notice.render(h.m.State(), h.m.now); got != "Grace: connection failed" {
		t.Fatalf("notice %q", got)
	}
	h.update(store.UpdateRecovery{PeerID: "p00", Recovery: store.Recovery{Attempt: 3, MaxAttempts: 5, NextAt: now.Add(4 * time.Second)}})
	want := "Grace: connection failed — retrying in 4 s (attempt 3/5)"
	if !strings.Contains(ansiStrip(h.view()), want) {
		t.Fatalf("want %q in\n%s", want, ansiStrip(h.view()))
	}
	now = now.Add(1500 * time.Millisecond)
	h.update(statsTick{})
	if got := h.m.notice.render(h.m.State(), h.m.now); got != "Grace: connection failed — retrying in 3 s (attempt 3/5)" {
		t.Fatalf("after 1.5 s: %q", got)
	}
	now = now.Add(3 * time.Second)
	h.update(statsTick{})
	if got := h.m.notice.render(h.m.State(), h.m.now); got != "Grace: connection failed — retrying now (attempt 3/5)" {
		t.Fatalf("after 4.5 s: %q", got)
	}
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusConnecting, At: now})
	h.update(store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusConnected, At: now})
	if got := h.m.notice.render(h.m.State(), h.m.now); got != "Grace: reconnected" {
		t.Fatalf("after reconnecting: %q", got)
	}
}

func TestNotices(t *testing.T) {
	tests := []struct {
		name string
		a    store.Action
		want string
	}{
		{"joined", store.AddPeerConnection{PeerID: "n", UserName: "Nia\x1b[31m", At: t0}, "Nia joined"},
		{"left", store.RemovePeerConnection{PeerID: "p00"}, "Grace left"},
		{"call error", store.SetConnectionError{Error: "Media Not Available\n"}, "Media Not Available"},
		{"peer error", store.SetConnectionError{PeerID: "p00", Error: "DTLS Handshake Failed"}, "Grace: DTLS Handshake Failed"},
		{"media", store.InitializeMediaRejected{Error: "no camera"}, "media: no camera"},
		{"signaling", store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingReconnecting, Attempt: 2, Error: "EOF"}}, "signaling lost — reconnecting (attempt 2): EOF"},
		{"lost", store.UpdateConnectionStatus{PeerID: "p00", Status: store.StatusDisconnected, At: t0}, "Grace: connection lost, waiting for it to come back"},
		{"server notice", store.ServerNotice{Level: "warn", Message: "staying on the mesh\x1b]52;c;aGk=\a: LiveKit unreachable\u202e; retrying in 4 s"}, "server: staying on the mesh: LiveKit unreachable; retrying in 4 s"},
		{"moved", store.SwitchedToSFU{SFU: "LiveKit", People: 6}, "moved to LiveKit: 6 people"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, callState(1))
			h.update(tt.a)
			if got := h.m.notice.render(h.m.State(), h.m.now); got != tt.want {
				t.Fatalf("notice %q, want %q", got, tt.want)
			}
			h.key("esc")
			if strings.Contains(ansiStrip(h.view()), tt.want) && tt.name != "call error" {
				t.Fatal("esc did not dismiss")
			}
		})
	}
}

// TestHeaderShowsSFU: once the call moved to LiveKit the title bar says so.
func TestHeaderShowsSFU(t *testing.T) {
	h := newHarness(t, callState(1))
	if strings.Contains(ansiStrip(h.view()), "via LiveKit") {
		t.Fatal("a mesh call shows LiveKit")
	}
	h.update(store.SwitchedToSFU{SFU: "LiveKit", People: 2})
	if !strings.Contains(ansiStrip(h.view()), "via LiveKit") {
		t.Fatalf("no \"via LiveKit\" in\n%s", ansiStrip(h.view()))
	}
}
