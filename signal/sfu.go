package signal

import (
	"fmt"
	"net/url"
	"strings"
)

// Message types of protocol v1.1: the handover of a room from the mesh to
// an SFU (LiveKit), see docs/protocol.md.
const (
	// TypeSFUSwitch (server → client) moves a member of a mesh room to the SFU.
	TypeSFUSwitch = "sfu-switch"
	// TypeSFUJoined (client → server) says the member's SFU room is
	// connected and publishing.
	TypeSFUJoined = "sfu-joined"
	// TypeSFUReceiving (client → server → one peer) says the sender now
	// gets the recipient's media through the SFU.
	TypeSFUReceiving = "sfu-receiving"
	// TypeNotice (server → client) is a line for the member's screen.
	TypeNotice = "notice"
)

// Limits of the v1.1 fields.
const (
	MaxSFUURLLen   = 2048 // bytes
	MaxSFURoomLen  = 128  // characters of [A-Za-z0-9._-]
	MaxReasonRunes = 300  // Unicode characters of an sfu-switch reason
	MaxNoticeRunes = 300  // Unicode characters of a notice's message
	NoticeInfo     = "info"
	NoticeWarn     = "warn"
	NoticeError    = "error"
	wordAlphabet   = "A-Z a-z 0-9 . _ -"
)

// SFU is where a member finds its room on the SFU: the LiveKit server's
// URL, the LiveKit room and an access token minted for this member, and why
// the room is there (for the member's screen).
type SFU struct {
	URL    string `json:"url"`
	Room   string `json:"room"`
	Token  string `json:"token"`
	Reason string `json:"reason,omitempty"`
}

// SFUSwitch tells a member of a mesh room that the room moves to the SFU
// (type "sfu-switch"): connect there, keep the mesh until the SFU carries
// media, then close the mesh peer connections but keep signaling.
type SFUSwitch struct {
	SFU
}

// SFUJoined tells the server that the sender's SFU room is connected and
// publishing (type "sfu-joined"); the server counts completed switches.
type SFUJoined struct{}

// SFUReceiving tells one peer that the sender receives its media through
// the SFU now (type "sfu-receiving"), so that peer's mesh connection to the
// sender carries nothing the sender still needs: a member closes its mesh
// connection to a peer once it has the peer's media on the SFU and the
// peer has said so of its own. The server relays it with From set.
type SFUReceiving struct {
	To   string `json:"to,omitempty"`
	From string `json:"from,omitempty"` // set by the server; ignored when sent
}

// Notice is a line from the server for every member's screen, e.g. why the
// room stays on the mesh (type "notice"). Clients sanitize before display.
type Notice struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// MessageType implements Message.
func (SFUSwitch) MessageType() string { return TypeSFUSwitch }

// MessageType implements Message.
func (SFUJoined) MessageType() string { return TypeSFUJoined }

// MessageType implements Message.
func (SFUReceiving) MessageType() string { return TypeSFUReceiving }

// MessageType implements Message.
func (Notice) MessageType() string { return TypeNotice }

// Validate checks an SFU location: a ws:// or wss:// URL with a host and
// no credentials, a room of 1–128 characters of [A-Za-z0-9._-], a token of
// 1–4096 JWT characters and a reason without control characters. The error
// wraps ErrBadMessage.
func (s SFU) Validate() error {
	if err := ValidateSFUURL(s.URL); err != nil {
		return err
	}
	if s.Room == "" || len(s.Room) > MaxSFURoomLen || !isWord(s.Room) {
		return fmt.Errorf("%w: sfu room must be 1-%d characters of %s", ErrBadMessage, MaxSFURoomLen, wordAlphabet)
	}
	if s.Token == "" || len(s.Token) > MaxTokenLen || !isWord(s.Token) {
		return fmt.Errorf("%w: sfu token must be 1-%d characters of %s", ErrBadMessage, MaxTokenLen, wordAlphabet)
	}
	return validateText("reason", s.Reason, 0, MaxReasonRunes)
}

// ValidateSFUURL checks the URL clients are sent to: ws:// or wss://, a
// host, no user credentials, at most MaxSFUURLLen bytes.
func ValidateSFUURL(raw string) error {
	if raw == "" || len(raw) > MaxSFUURLLen {
		return fmt.Errorf("%w: sfu url must be 1-%d bytes", ErrBadMessage, MaxSFUURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: sfu url does not parse", ErrBadMessage)
	}
	if s := strings.ToLower(u.Scheme); s != "ws" && s != "wss" {
		return fmt.Errorf("%w: sfu url must be ws:// or wss://", ErrBadMessage)
	}
	if u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return fmt.Errorf("%w: sfu url needs a host and no credentials", ErrBadMessage)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] >= 0x7f {
			return fmt.Errorf("%w: sfu url must be printable ASCII", ErrBadMessage)
		}
	}
	return nil
}

// Validate checks a notice: a known level and a message of 1–300
// characters without control or format characters.
func (n Notice) Validate() error {
	switch n.Level {
	case NoticeInfo, NoticeWarn, NoticeError:
	default:
		return fmt.Errorf("%w: notice level must be info, warn or error", ErrBadMessage)
	}
	return validateText("message", n.Message, 1, MaxNoticeRunes)
}

// isWord reports whether s is only [A-Za-z0-9._-].
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkDecoded applies the v1.1 validation to a decoded message: an
// invalid sfu-switch or notice is a bad message; an invalid "sfu" in a
// welcome is dropped, so a v1.1 mistake never costs the join itself.
func checkDecoded(m Message) error {
	switch m := m.(type) {
	case *SFUSwitch:
		return m.SFU.Validate()
	case *Notice:
		return m.Validate()
	case *Welcome:
		if m.SFU != nil && m.SFU.Validate() != nil {
			m.SFU = nil
		}
	}
	return nil
}
