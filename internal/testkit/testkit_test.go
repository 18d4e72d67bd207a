package testkit

import (
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/store"
)

func TestRecorderFoldsActions(t *testing.T) {
	ch := make(chan store.Action, 2)
	r := NewRecorder(ch)
	ch <- store.AddPeerConnection{PeerID: "p1", UserName: "Ada"}
	close(ch)
	<-r.Done()
	if c, ok := r.PeerNamed("Ada"); !ok || c.PeerID != "p1" {
		t.Fatalf("PeerNamed: %+v %v", c, ok)
	}
	if n := len(r.Actions()); n != 1 {
		t.Fatalf("%d actions", n)
	}
}

func TestStartServerAnswers(t *testing.T) {
	s := StartServer(t, server.Config{})
	if s.WS != "ws://"+s.Addr+"/ws" {
		t.Fatalf("WS %q", s.WS)
	}
	n := 0
	Eventually(t, time.Second, "a third poll", func() bool { n++; return n >= 3 })
}
