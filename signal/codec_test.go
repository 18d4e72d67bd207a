package signal_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/signal"
)

func ptr[T any](v T) *T { return &v }

// allMessages has one filled-in value of every message type.
func allMessages() []signal.Message {
	return []signal.Message{
		&signal.Join{Room: "R", UserName: "N", UserID: "U", Token: "T", Resume: &signal.Resume{PeerID: "P", Secret: "S"}},
		&signal.ReadyForOffer{To: "P", From: "Q"},
		&signal.Offer{To: "P", From: "Q", SDP: "v=0\r\n"},
		&signal.Answer{To: "P", From: "Q", SDP: "v=0\r\n"},
		&signal.ICECandidate{To: "P", From: "Q", Candidate: signal.CandidateInit{
			Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), UsernameFragment: ptr("uf"),
		}},
		&signal.MediaStateUpdate{From: "Q", Audio: true, Video: false, Screen: true},
		&signal.Leave{},
		&signal.Welcome{PeerID: "P", Room: "R",
			Peers:      []signal.PeerInfo{{PeerID: "Q", UserID: "u", UserName: "Zoë", Media: &signal.MediaState{Audio: true}}},
			ICEServers: []signal.ICEServer{{URLs: []string{"stun:stun.example.org"}, Username: "a", Credential: "b"}},
			Resume:     &signal.Resume{PeerID: "P", Secret: "S"}},
		&signal.PeerJoined{PeerID: "Q", UserID: "u", UserName: "N"},
		&signal.PeerLeft{PeerID: "Q"},
		&signal.Error{Code: signal.CodeUnknownPeer, Message: "m", Ref: "offer"},
		&signal.SFUSwitch{SFU: signal.SFU{URL: "ws://127.0.0.1:7880", Room: "rtcterm-R", Token: "a.b.c", Reason: "the room reached 5 people"}},
		&signal.SFUJoined{},
		&signal.SFUReceiving{To: "p2", From: "p1"},
		&signal.Notice{Level: signal.NoticeWarn, Message: "staying on the mesh: LiveKit unreachable; retrying in 4 s"},
		&signal.Welcome{PeerID: "P", Room: "R", Peers: []signal.PeerInfo{}, ICEServers: []signal.ICEServer{},
			SFU: &signal.SFU{URL: "wss://lk.example.org", Room: "rtcterm-R", Token: "x.y.z", Reason: "the room is on LiveKit (6 people)"}},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, m := range allMessages() {
		t.Run(m.MessageType(), func(t *testing.T) {
			b, err := signal.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte(`{"type":"`+m.MessageType()+`"`)) {
				t.Errorf("frame does not start with its type: %s", b)
			}
			got, err := signal.Decode(b)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, m)
			}
		})
	}
}

func TestEncodeAcceptsValues(t *testing.T) {
	a, err := signal.Encode(signal.Offer{To: "P", SDP: "x"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := signal.Encode(&signal.Offer{To: "P", SDP: "x"})
	if !bytes.Equal(a, b) {
		t.Errorf("value %s != pointer %s", a, b)
	}
}

func TestEncodeWireFormat(t *testing.T) {
	cases := []struct {
		m    signal.Message
		want string
	}{
		{signal.Leave{}, `{"type":"leave"}`},
		{signal.Join{Room: "R", UserName: "N"}, `{"type":"join","room":"R","userName":"N"}`},
		{signal.ReadyForOffer{}, `{"type":"ready-for-offer"}`},
		{signal.Offer{To: "P", SDP: "s"}, `{"type":"offer","to":"P","sdp":"s"}`},
		{signal.MediaStateUpdate{From: "P", Audio: true}, `{"type":"media-state","from":"P","audio":true,"video":false,"screen":false}`},
		{signal.Welcome{PeerID: "P", Room: "R"}, `{"type":"welcome","peerId":"P","room":"R","peers":[],"iceServers":[]}`},
		{signal.PeerLeft{PeerID: "P"}, `{"type":"peer-left","peerId":"P"}`},
		{signal.Error{Code: "c", Message: "m"}, `{"type":"error","code":"c","message":"m"}`},
		{signal.ICECandidate{To: "P", Candidate: signal.CandidateInit{Candidate: "c", SDPMLineIndex: ptr[uint16](0)}},
			`{"type":"ice-candidate","to":"P","candidate":{"candidate":"c","sdpMLineIndex":0}}`},
	}
	for _, c := range cases {
		b, err := signal.Encode(c.m)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("Encode(%T)\n got %s\nwant %s", c.m, b, c.want)
		}
	}
}

func TestDecodeIssueExamples(t *testing.T) {
	// The frames exactly as docs/protocol.md shows them.
	frames := []string{
		`{"type":"join","room":"R","userName":"N","userId":"U","token":"T","resume":{"peerId":"P","secret":"S"}}`,
		`{"type":"ready-for-offer","to":"P"}`,
		`{"type":"offer","to":"P","sdp":"..."}`,
		`{"type":"ice-candidate","to":"P","candidate":{"candidate":"candidate:...","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"..."}}`,
		`{"type":"media-state","audio":true,"video":false,"screen":false}`,
		`{"type":"leave"}`,
		`{"type":"welcome","peerId":"P","room":"R","peers":[{"peerId":"","userId":"","userName":"","media":{"audio":true,"video":true,"screen":false}}],"iceServers":[{"urls":["stun:..."],"username":"","credential":""}],"resume":{"peerId":"P","secret":"S"}}`,
		`{"type":"peer-joined","peerId":"","userId":"","userName":""}`,
		`{"type":"peer-left","peerId":""}`,
		`{"type":"error","code":"C","message":"M","ref":"offer"}`,
	}
	for _, f := range frames {
		if _, err := signal.Decode([]byte(f)); err != nil {
			t.Errorf("Decode(%s): %v", f, err)
		}
	}
	m, _ := signal.Decode([]byte(frames[3]))
	c := m.(*signal.ICECandidate).Candidate
	if c.SDPMid == nil || *c.SDPMid != "0" || c.SDPMLineIndex == nil || *c.SDPMLineIndex != 0 || *c.UsernameFragment != "..." {
		t.Errorf("candidate fields: %+v", c)
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	m, err := signal.Decode([]byte(`{"type":"offer","to":"P","sdp":"s","future":{"x":[1,2]},"v":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if o := m.(*signal.Offer); o.To != "P" || o.SDP != "s" {
		t.Errorf("got %+v", o)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{``, signal.ErrBadMessage},
		{`not json`, signal.ErrBadMessage},
		{`[]`, signal.ErrBadMessage},
		{`null`, signal.ErrBadMessage},
		{`"offer"`, signal.ErrBadMessage},
		{`{}`, signal.ErrBadMessage},
		{`{"type":""}`, signal.ErrBadMessage},
		{`{"type":7}`, signal.ErrBadMessage},
		{`{"type":"offer","sdp":5}`, signal.ErrBadMessage},
		{`{"type":"ice-candidate","candidate":"x"}`, signal.ErrBadMessage},
		{`{"type":"ice-candidate","candidate":{"sdpMLineIndex":-1}}`, signal.ErrBadMessage},
		{`{"type":"media-state","audio":"yes"}`, signal.ErrBadMessage},
		{`{"type":"offer"} trailing`, signal.ErrBadMessage},
		{"{\"type\":\"offer\",\"sdp\":\"\xff\"}", signal.ErrBadMessage},
		{`{"type":"dance"}`, signal.ErrUnknownType},
	}
	for _, c := range cases {
		_, err := signal.Decode([]byte(c.in))
		if !errors.Is(err, c.want) {
			t.Errorf("Decode(%q) = %v, want %v", c.in, err, c.want)
		}
	}
	// The reason names the field, not the content.
	_, err := signal.Decode([]byte(`{"type":"offer","sdp":{"secret":"x"}}`))
	if err == nil || !strings.Contains(err.Error(), `"sdp"`) || strings.Contains(err.Error(), "secret") {
		t.Errorf("error text: %v", err)
	}
}

func TestTypeOf(t *testing.T) {
	typ, err := signal.TypeOf([]byte(`{"type":"offer","sdp":5}`))
	if err != nil || typ != "offer" {
		t.Errorf("TypeOf = %q, %v", typ, err)
	}
}

func TestValidateRoom(t *testing.T) {
	good := []string{"a", "Room-1", "x.y_z", strings.Repeat("a", 64)}
	bad := []string{"", strings.Repeat("a", 65), "a b", "ä", "a/b", "a\n"}
	for _, r := range good {
		if err := signal.ValidateRoom(r); err != nil {
			t.Errorf("ValidateRoom(%q) = %v", r, err)
		}
	}
	for _, r := range bad {
		if err := signal.ValidateRoom(r); !errors.Is(err, signal.ErrBadMessage) {
			t.Errorf("ValidateRoom(%q) = %v, want ErrBadMessage", r, err)
		}
	}
}

func TestValidateUserName(t *testing.T) {
	good := []string{"N", "Zoë", "李雷", "Ana María", "🙂 smile", strings.Repeat("é", 64)}
	bad := []string{
		"", strings.Repeat("é", 65),
		"a\nb", "a\rb", "tab\t", "\x1b[31mred", "nul\x00",
		"bidi\u202eevil", "zero\u200bwidth", "join\u200d", "bom\ufeff", "soft\u00adhyphen",
		"line\u2028sep", "para\u2029sep", "\x7f", "c1\u0085",
		"bad\xffutf8", "repl\ufffd",
	}
	for _, n := range good {
		if err := signal.ValidateUserName(n); err != nil {
			t.Errorf("ValidateUserName(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		if err := signal.ValidateUserName(n); !errors.Is(err, signal.ErrBadMessage) {
			t.Errorf("ValidateUserName(%q) = %v, want ErrBadMessage", n, err)
		}
	}
	if err := signal.ValidateUserID(""); err != nil {
		t.Errorf("empty user id refused: %v", err)
	}
}

func TestErrorIsError(t *testing.T) {
	var err error = &signal.Error{Code: signal.CodeRoomFull, Message: "full", Ref: "join"}
	if !errors.Is(err, &signal.Error{Code: signal.CodeRoomFull}) {
		t.Error("errors.Is by code failed")
	}
	if errors.Is(err, &signal.Error{Code: signal.CodeUnauthorized}) {
		t.Error("errors.Is matched another code")
	}
	if !strings.Contains(err.Error(), "room-full") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestNormalizeURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"localhost:8443", "ws://localhost:8443/ws"},
		{"  ws://h:1  ", "ws://h:1/ws"},
		{"wss://h", "wss://h/ws"},
		{"http://h:80/", "ws://h:80/ws"},
		{"https://h/custom/path", "wss://h/custom/path"},
		{"HTTPS://h", "wss://h/ws"},
		{"ws://[::1]:9/ws?x=1#frag", "ws://[::1]:9/ws?x=1"},
	}
	for _, c := range cases {
		got, err := signal.NormalizeURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "ftp://h", "ws://", "http://user:pw@h", "ws://:80"} {
		if got, err := signal.NormalizeURL(in); err == nil {
			t.Errorf("NormalizeURL(%q) = %q, want error", in, got)
		}
	}
}
