package server

import (
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/signal"
)

// TestDuplicateNamesAreMarked: two people called "me" in one room show as
// "me" and "me (2)" to everyone; a name at the length limit stays within it.
func TestDuplicateNamesAreMarked(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := dial(t, ts.url)
	a.join("r", "me")
	b := dial(t, ts.url)
	w := b.join("r", "me")
	if len(w.Peers) != 1 || w.Peers[0].UserName != "me" {
		t.Fatalf("welcome peers %+v", w.Peers)
	}
	if pj := expect[*signal.PeerJoined](a); pj.UserName != "me (2)" {
		t.Errorf("second me joined as %q", pj.UserName)
	}
	long := strings.Repeat("x", signal.MaxUserNameLen)
	c := dial(t, ts.url)
	c.join("r", long)
	d := dial(t, ts.url)
	d.join("r", long)
	expect[*signal.PeerJoined](a) // c
	pj := expect[*signal.PeerJoined](a)
	if want := strings.Repeat("x", signal.MaxUserNameLen-4) + " (2)"; pj.UserName != want {
		t.Errorf("long duplicate joined as %q", pj.UserName)
	}
	if err := signal.ValidateUserName(pj.UserName); err != nil {
		t.Errorf("marked name breaks the protocol's rules: %v", err)
	}
}
