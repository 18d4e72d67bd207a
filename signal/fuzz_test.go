package signal_test

import (
	"bytes"
	"testing"

	"github.com/rtcterm/rtcterm/signal"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// re-encodes to a frame that decodes to the same message (a fixed point).
// The seed corpus below runs in every `go test`.
func FuzzDecode(f *testing.F) {
	for _, m := range allMessages() {
		b, err := signal.Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"type":7}`, `{"type":"dance"}`, `{"type":"offer","sdp":5}`,
		`{"type":"welcome","peers":null,"iceServers":[{"urls":null}]}`,
		`{"type":"ice-candidate","candidate":{"sdpMLineIndex":70000}}`,
		`{"TYPE":"offer","SDP":"case"}`, `{"type":"offer","to":"a","to":"b"}`,
		`{"type":"join","room":"\ud800","userName":"\u202e"}`,
		"{\"type\":\"leave\"}\n", `{"type":"leave"}{}`,
		`{"type":"sfu-switch","url":"ws://h","room":"r","token":"t","reason":"\u202e"}`,
		`{"type":"welcome","peerId":"P","room":"R","sfu":{"url":"ws://h","room":"r","token":"t"}}`,
		`{"type":"welcome","sfu":{"url":"ws://u@h","room":"r","token":"t"}}`,
		`{"type":"notice","level":"info","message":"\ud800"}`, `{"type":"sfu-joined","x":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := signal.Decode(data)
		if err != nil {
			return
		}
		b1, err := signal.Encode(m)
		if err != nil {
			t.Fatalf("Encode(Decode(%q)): %v", data, err)
		}
		m2, err := signal.Decode(b1)
		if err != nil {
			t.Fatalf("Decode(%s): %v", b1, err)
		}
		b2, err := signal.Encode(m2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("not a fixed point:\n%s\n%s", b1, b2)
		}
	})
}
