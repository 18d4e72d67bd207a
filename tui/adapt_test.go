package tui

import (
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/store"
)

// TestVideoPauseIsAnnounced: when our video to a peer is paused for lack
// of bandwidth the notice says so with the estimate, and again when it
// resumes; the detail pane's media line tells the same.
func TestVideoPauseIsAnnounced(t *testing.T) {
	prev := store.Reduce(store.New(), store.AddPeerConnection{PeerID: "p", UserName: "Grace"})
	paused := store.Stats{AvailableSendKbps: 70, VideoPaused: true, LimitedBy: "bandwidth"}
	a := store.CollectConnectionStatsFulfilled{PeerID: "p", Epoch: prev.Connections["p"].Epoch, Stats: paused}
	next := store.Reduce(prev, a)
	n, ok := noticeFor(prev, next, a, true)
	if !ok || n.text != "video to Grace paused: 70 kbps available" {
		t.Fatalf("pause notice %q, %v", n.text, ok)
	}
	back := store.CollectConnectionStatsFulfilled{PeerID: "p", Epoch: a.Epoch, Stats: store.Stats{AvailableSendKbps: 400, SendTargetKbps: 300}}
	after := store.Reduce(next, back)
	if n, ok := noticeFor(next, after, back, true); !ok || n.text != "video to Grace resumed" {
		t.Fatalf("resume notice %q, %v", n.text, ok)
	}
	for _, c := range []struct {
		st   store.Stats
		want string
	}{
		{paused, "our video paused: 70 kbps available"},
		{store.Stats{AvailableSendKbps: 455, SendTargetKbps: 395, LimitedBy: "bandwidth"}, "sending 395 of 455 kbps (limited by bandwidth)"},
		{store.Stats{AvailableSendKbps: 1200, SendTargetKbps: 800}, "link takes 1200 kbps"},
		{store.Stats{AvailableSendKbps: 250, SendTargetKbps: 165, LimitedBy: "bandwidth", SendLayer: "low"}, "low layer: sending 165 of 250 kbps (limited by bandwidth)"},
		{store.Stats{AvailableSendKbps: 900, SendTargetKbps: 400, LimitedBy: "peer request", SendLayer: "low"}, "low layer: sending 400 of 900 kbps (limited by peer request)"},
		{store.Stats{AvailableSendKbps: 1200, SendTargetKbps: 800, SendLayer: "high"}, "high layer: link takes 1200 kbps"},
		{store.Stats{AvailableSendKbps: 1200, SendTargetKbps: 800, SendLayer: "main"}, "link takes 1200 kbps"},
		{store.Stats{}, ""},
	} {
		if got := sendText(c.st); got != c.want {
			t.Errorf("sendText(%+v) = %q, want %q", c.st, got, c.want)
		}
		if c.want != "" && !strings.Contains(codecText(c.st), c.want) {
			t.Errorf("media line %q lacks %q", codecText(c.st), c.want)
		}
	}
}

// TestPeersPausedVideoIsAnnounced: a peer whose media-state says its video
// is held back for bandwidth is announced as such, and again on resuming.
func TestPeersPausedVideoIsAnnounced(t *testing.T) {
	prev := store.Reduce(store.New(), store.AddPeerConnection{PeerID: "p", UserName: "Grace"})
	prev = store.Reduce(prev, store.UpdateRemoteMedia{PeerID: "p", Audio: true, Video: true})
	a := store.UpdateRemoteMedia{PeerID: "p", Audio: true, Video: true, VideoPaused: true}
	next := store.Reduce(prev, a)
	if n, ok := noticeFor(prev, next, a, true); !ok || n.text != "Grace's video paused (their link)" {
		t.Fatalf("notice %q, %v", n.text, ok)
	}
	b := store.UpdateRemoteMedia{PeerID: "p", Audio: true, Video: true}
	if n, ok := noticeFor(next, store.Reduce(next, b), b, true); !ok || n.text != "Grace's video resumed" {
		t.Fatalf("resume notice %q, %v", n.text, ok)
	}
}

// TestCardReasons: a tile without a picture says why.
func TestCardReasons(t *testing.T) {
	base := store.Connection{Status: store.StatusConnected, Media: store.MediaState{Known: true, Audio: true, Video: true}}
	paused := base
	paused.Media.VideoPaused = true
	h264 := base
	h264.Stats.VideoCodec = "H264"
	off := base
	off.Media.Video = false
	for _, c := range []struct {
		conn store.Connection
		want string
	}{{base, "waiting for video…"}, {paused, "video paused (their link)"}, {h264, "H264 video: not drawn here"}, {off, "camera off"}} {
		if got := cardReason(c.conn); got != c.want {
			t.Errorf("cardReason = %q, want %q", got, c.want)
		}
	}
}
