package tui

import (
	"fmt"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// peerNames are the people of the test calls, in no particular order.
var peerNames = []string{"Grace", "Ada", "Linus", "Barbara", "Edsger", "Margaret", "Ken", "Radia", "Dennis", "Frances", "Donald", "Katherine", "Alan", "Hedy", "Tim", "Sophie"}

// callState builds a fixed call with n peers in a spread of conditions:
// connected on a clean LAN, over a long path with loss, through a relay,
// failed and recovering, still connecting.
func callState(n int) store.State {
	s := store.New()
	s = store.Reduce(s, store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnected, Room: "demo", PeerID: "me", UserName: "Alice"}})
	s = store.Reduce(s, store.InitializeLocalStream{Stream: store.LocalStream{Tracks: []store.Track{
		{Kind: "audio", Label: "sine 440 Hz", Synthetic: true},
		{Kind: "video", Label: "test pattern", Synthetic: true},
	}}})
	for i := range n {
		id := fmt.Sprintf("p%02d", i)
		s = store.Reduce(s, store.AddPeerConnection{PeerID: id, UserID: "u" + id, UserName: peerNames[i%len(peerNames)], At: t0.Add(-10 * time.Minute)})
		s = store.Reduce(s, store.SetPeerFingerprint{PeerID: id, Fingerprint: "sha-256 AB:CD:EF:" + id})
		if i%2 == 0 {
			s = store.Reduce(s, store.SetLocalFingerprint{PeerID: id, Fingerprint: "sha-256 12:34:56:" + id})
		}
		switch i % 5 {
		case 0, 1, 2:
			s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: id, Status: store.StatusConnected, At: t0.Add(-time.Duration(i*97+5) * time.Second)})
			s = store.Reduce(s, store.UpdateRemoteMedia{PeerID: id, Audio: i%3 != 1, Video: true, Screen: i%4 == 2})
			for k := range 45 {
				st := linkStats(i, k)
				s = store.Reduce(s, store.UpdateConnectionStats{PeerID: id, Stats: st, At: t0.Add(time.Duration(k-44) * time.Second)})
			}
		case 3:
			s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: id, Status: store.StatusConnected, At: t0.Add(-5 * time.Minute)})
			s = store.Reduce(s, store.UpdateConnectionStatus{PeerID: id, Status: store.StatusFailed, At: t0.Add(-20 * time.Second)})
			s = store.Reduce(s, store.SetConnectionError{PeerID: id, Error: "ICE Connection Failed"})
			s = store.Reduce(s, store.UpdateRecovery{PeerID: id, Recovery: store.Recovery{Attempt: 3, MaxAttempts: 5, NextAt: t0.Add(4 * time.Second)}})
		case 4:
			// still connecting
		}
	}
	return s
}

// linkStats is sample k of peer i: a clean LAN, an 80 ms path, or a
// 150 ms path with 3 % loss through a relay.
func linkStats(i, k int) store.Stats {
	wobble := float64(k%7) - 3
	st := store.Stats{
		FramesPerSecond: 30, Width: 640, Height: 480,
		VideoCodec: "VP8", AudioCodec: "opus",
		AudioLevel: float64(k%10) / 10,
	}
	switch i % 3 {
	case 0:
		st.RTTMillis, st.LossPct, st.JitterMillis = 2+wobble/3, 0, 1
		st.RecvKbps, st.SendKbps = 1200+10*wobble, 1180
		st.Route = store.Route{LocalType: "host", RemoteType: "host", Protocol: "udp", LocalAddr: "192.168.1.10:50000", RemoteAddr: "192.168.1.20:50001"}
	case 1:
		st.RTTMillis, st.LossPct, st.JitterMillis = 80+wobble, 0.2, 6
		st.RecvKbps, st.SendKbps = 900+10*wobble, 950
		st.Route = store.Route{LocalType: "srflx", RemoteType: "host", Protocol: "udp", LocalAddr: "203.0.113.5:40000", RemoteAddr: "198.51.100.7:3478"}
	case 2:
		st.RTTMillis, st.LossPct, st.JitterMillis = 150+2*wobble, 3+wobble/10, 18
		st.RecvKbps, st.SendKbps = 600+20*wobble, 700
		st.FramesPerSecond, st.Width, st.Height = 24, 1280, 720
		st.Route = store.Route{LocalType: "relay", RemoteType: "srflx", Protocol: "udp", LocalAddr: "192.0.2.1:3478", RemoteAddr: "198.51.100.9:61000"}
	}
	return st
}

// withoutShares is s with no peer sharing its screen, so the video view
// shows the whole grid.
func withoutShares(s store.State) store.State {
	for _, c := range store.SelectConnections(s) {
		if c.Media.Known && c.Media.Screen {
			s = store.Reduce(s, store.UpdateRemoteMedia{PeerID: c.PeerID, Audio: c.Media.Audio, Video: c.Media.Video})
		}
	}
	return s
}
