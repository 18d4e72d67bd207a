package lkengine

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/rtcterm/rtcterm/store"
)

func TestVP8KeyFrameSize(t *testing.T) {
	frame := fakeVP8(true, 0)
	for _, c := range []struct {
		name string
		desc []byte
		ok   bool
	}{
		{"plain start", []byte{0x10}, true},
		{"15-bit picture id", []byte{0x90, 0x80, 0x81, 0x02}, true},
		{"7-bit picture id, tl0, tid", []byte{0x90, 0xe0, 0x05, 0x01, 0x20}, true},
		{"not a start", []byte{0x00}, false},
		{"second partition", []byte{0x11}, false},
	} {
		w, h, ok := vp8KeyFrameSize(append(append([]byte(nil), c.desc...), frame...))
		if ok != c.ok || (ok && (w != fakeWidth || h != fakeHeight)) {
			t.Errorf("%s: %dx%d %v, want ok=%v %dx%d", c.name, w, h, ok, c.ok, fakeWidth, fakeHeight)
		}
	}
	if _, _, ok := vp8KeyFrameSize(append([]byte{0x10}, fakeVP8(false, 1)...)); ok {
		t.Error("an inter frame gave a size")
	}
	// Truncated packets never panic and give nothing.
	full := append([]byte{0x90, 0xe0, 0x05, 0x01, 0x20}, frame[:10]...)
	for i := range full {
		if _, _, ok := vp8KeyFrameSize(full[:i]); ok {
			t.Errorf("truncated to %d bytes gave a size", i)
		}
	}
}

func FuzzVP8KeyFrameSize(f *testing.F) {
	f.Add(append([]byte{0x10}, fakeVP8(true, 0)...))
	f.Add([]byte{0x90, 0xff})
	f.Fuzz(func(t *testing.T, p []byte) { vp8KeyFrameSize(p) })
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Ada":                      "Ada",
		"  Ada \t\n Lovelace  ":    "Ada Lovelace",
		"evil\x1b[2J\x07name":      "evil[2Jname",
		"bidi\u202egnp.exe":        "bidignp.exe",
		"\x00\x01":                 "fallback-id",
		strings.Repeat("é", 100):   strings.Repeat("é", maxNameRunes),
		"zero\u200bwidth\ufeffbom": "zerowidthbom",
	} {
		if got := sanitizeName(in, "fallback-id"); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := sanitizeName("\x1b", "\x1b"); got != "?" {
		t.Errorf("nothing printable anywhere: %q, want ?", got)
	}
}

// A minted token verifies with the secret and carries the room grant.
func TestMintToken(t *testing.T) {
	tok, err := MintToken("key", "secret-secret-secret-secret-secret", "room1", "ada", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.ParseAPIToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	_, grants, err := v.Verify("secret-secret-secret-secret-secret")
	if err != nil {
		t.Fatal(err)
	}
	if grants.Identity != "ada" || grants.Video == nil || !grants.Video.RoomJoin || grants.Video.Room != "room1" {
		t.Errorf("grants %+v", grants)
	}
	if _, err := MintToken("", "", "r", "i", 0); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("no key: %v, want ErrNoCredentials", err)
	}
}

func TestClassify(t *testing.T) {
	e := New(Config{URL: "ws://sfu", Token: "t"})
	if err := e.classify(errors.New("unauthorized: invalid token")); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "--token") {
		t.Errorf("401: %v", err)
	}
	e = New(Config{URL: "ws://sfu", APIKey: "k", APISecret: "s"})
	if err := e.classify(errors.New("unauthorized: bad signature")); !strings.Contains(err.Error(), "--api-key/--api-secret") {
		t.Errorf("401 with a key: %v", err)
	}
	if err := e.classify(fmt.Errorf("validate: %w", &url.Error{Op: "Get", URL: "http://sfu", Err: errors.New("connection refused")})); !errors.Is(err, ErrUnreachable) {
		t.Errorf("refused: %v", err)
	}
	other := errors.New("room is full")
	if err := e.classify(other); !errors.Is(err, other) || errors.Is(err, ErrUnauthorized) {
		t.Errorf("other: %v", err)
	}
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		f            facts
		cur          store.Status
		reconnecting bool
		want         store.Status
	}{
		{facts{pubs: 2}, store.StatusConnecting, false, store.StatusConnecting},
		{facts{pubs: 2, subscribed: true}, store.StatusConnecting, false, store.StatusConnected},
		{facts{}, store.StatusConnecting, false, store.StatusConnected},
		{facts{pubs: 1, subscribed: true}, store.StatusConnected, true, store.StatusDisconnected},
		{facts{pubs: 1}, store.StatusConnecting, true, store.StatusConnecting},
		{facts{pubs: 1}, store.StatusDisconnected, false, store.StatusConnected},
		{facts{pubs: 1}, store.StatusConnected, false, store.StatusConnected},
	} {
		got := statusOf(c.f, c.cur, c.reconnecting)
		if got != c.want {
			t.Errorf("statusOf(%+v, %s, reconnecting=%v) = %s, want %s", c.f, c.cur, c.reconnecting, got, c.want)
		}
		if err := store.Transition(c.cur, got); err != nil {
			t.Errorf("illegal move: %v", err)
		}
	}
}

// Close before Run, and Run after Close, end at once.
func TestCloseBeforeRun(t *testing.T) {
	e := New(Config{URL: "ws://sfu", Token: "t"})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("run after close: %v", err)
	}
	if _, ok := <-e.Actions(); ok {
		t.Error("actions still open")
	}
}
