package signal_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/signal"
)

// TestSFUValidate: only a ws(s) URL with a host, a word-character room
// and token, and a printable reason pass; everything else is a bad message.
func TestSFUValidate(t *testing.T) {
	good := signal.SFU{URL: "wss://lk.example.org:7880/", Room: "rtcterm-standup", Token: "eyJh.eyJz.sig-_", Reason: "the room reached 5 people"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good: %v", err)
	}
	for name, mod := range map[string]func(*signal.SFU){
		"http url":      func(s *signal.SFU) { s.URL = "http://lk.example.org" },
		"javascript":    func(s *signal.SFU) { s.URL = "javascript:alert(1)" },
		"no host":       func(s *signal.SFU) { s.URL = "ws://" },
		"credentials":   func(s *signal.SFU) { s.URL = "ws://u:p@lk.example.org" },
		"space":         func(s *signal.SFU) { s.URL = "ws://lk.example.org/a b" },
		"long url":      func(s *signal.SFU) { s.URL = "ws://h/" + strings.Repeat("a", signal.MaxSFUURLLen) },
		"empty room":    func(s *signal.SFU) { s.Room = "" },
		"room chars":    func(s *signal.SFU) { s.Room = "a/b" },
		"long room":     func(s *signal.SFU) { s.Room = strings.Repeat("r", signal.MaxSFURoomLen+1) },
		"empty token":   func(s *signal.SFU) { s.Token = "" },
		"token chars":   func(s *signal.SFU) { s.Token = "a b" },
		"long token":    func(s *signal.SFU) { s.Token = strings.Repeat("t", signal.MaxTokenLen+1) },
		"escape reason": func(s *signal.SFU) { s.Reason = "moved\x1b[2J" },
		"long reason":   func(s *signal.SFU) { s.Reason = strings.Repeat("é", signal.MaxReasonRunes+1) },
	} {
		s := good
		mod(&s)
		if err := s.Validate(); !errors.Is(err, signal.ErrBadMessage) {
			t.Errorf("%s: Validate = %v, want ErrBadMessage", name, err)
		}
	}
}

// TestDecodeSFUMessages: a bad sfu-switch or notice is refused as a bad
// message; a welcome with a bad "sfu" keeps the join and drops the field.
func TestDecodeSFUMessages(t *testing.T) {
	for _, frame := range []string{
		`{"type":"sfu-switch","url":"http://x","room":"r","token":"t"}`,
		`{"type":"sfu-switch","url":"ws://x","room":"r"}`,
		`{"type":"notice","level":"shout","message":"m"}`,
		`{"type":"notice","level":"warn","message":""}`,
		`{"type":"notice","level":"warn","message":"a\u001b[31mb"}`,
	} {
		if _, err := signal.Decode([]byte(frame)); !errors.Is(err, signal.ErrBadMessage) {
			t.Errorf("Decode(%s) = %v, want ErrBadMessage", frame, err)
		}
	}
	m, err := signal.Decode([]byte(`{"type":"welcome","peerId":"P","room":"R","peers":[],"iceServers":[],"sfu":{"url":"file:///etc/passwd","room":"r","token":"t"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if w := m.(*signal.Welcome); w.SFU != nil || w.PeerID != "P" {
		t.Errorf("welcome with a bad sfu: %+v, want the join without sfu", w)
	}
	m, err = signal.Decode([]byte(`{"type":"sfu-switch","url":"ws://127.0.0.1:7880","room":"rtcterm-standup","token":"a.b.c","reason":"the room reached 5 people","extra":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.(*signal.SFUSwitch); s.URL != "ws://127.0.0.1:7880" || s.Room != "rtcterm-standup" || s.Token != "a.b.c" {
		t.Errorf("sfu-switch decoded as %+v", s)
	}
}
