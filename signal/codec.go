package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrBadMessage is wrapped by Decode and the validators when a frame is not a
// well-formed protocol object: not JSON, not an object, invalid UTF-8, no
// "type", or a field of the wrong JSON type.
var ErrBadMessage = errors.New("signal: bad message")

// ErrUnknownType is wrapped by Decode when the frame's "type" is not a
// protocol v1 message type.
var ErrUnknownType = errors.New("signal: unknown message type")

// Encode returns the JSON frame for m, with its "type" field first.
// Nil slices in a Welcome are encoded as empty arrays.
func Encode(m Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrBadMessage)
	}
	switch w := m.(type) {
	case Welcome:
		m = normalizeWelcome(&w)
	case *Welcome:
		if w == nil {
			return nil, fmt.Errorf("%w: nil message", ErrBadMessage)
		}
		m = normalizeWelcome(w)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("signal: encode %s: %w", m.MessageType(), err)
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("%w: %s does not encode to an object", ErrBadMessage, m.MessageType())
	}
	typ, _ := json.Marshal(m.MessageType())
	var b bytes.Buffer
	b.Grow(len(body) + len(typ) + 10)
	b.WriteString(`{"type":`)
	b.Write(typ)
	if len(body) > 2 { // not "{}"
		b.WriteByte(',')
	}
	b.Write(body[1:])
	return b.Bytes(), nil
}

func normalizeWelcome(w *Welcome) *Welcome {
	c := *w
	if c.Peers == nil {
		c.Peers = []PeerInfo{}
	}
	if c.ICEServers == nil {
		c.ICEServers = []ICEServer{}
	}
	for i := range c.ICEServers {
		if c.ICEServers[i].URLs == nil {
			c.ICEServers = append([]ICEServer(nil), c.ICEServers...)
			for j := range c.ICEServers {
				if c.ICEServers[j].URLs == nil {
					c.ICEServers[j].URLs = []string{}
				}
			}
			break
		}
	}
	return &c
}

// Decode parses one frame into a pointer to its message struct (*Join,
// *Offer, ...). Unknown fields are ignored. Errors wrap ErrBadMessage or
// ErrUnknownType; a bad field in a known type still reports that type via
// TypeOf.
func Decode(data []byte) (Message, error) {
	typ, err := TypeOf(data)
	if err != nil {
		return nil, err
	}
	var m Message
	switch typ {
	case TypeJoin:
		m = &Join{}
	case TypeReadyForOffer:
		m = &ReadyForOffer{}
	case TypeOffer:
		m = &Offer{}
	case TypeAnswer:
		m = &Answer{}
	case TypeICECandidate:
		m = &ICECandidate{}
	case TypeMediaState:
		m = &MediaStateUpdate{}
	case TypeLeave:
		m = &Leave{}
	case TypeWelcome:
		m = &Welcome{}
	case TypePeerJoined:
		m = &PeerJoined{}
	case TypePeerLeft:
		m = &PeerLeft{}
	case TypeError:
		m = &Error{}
	case TypeChat:
		m = &Chat{}
	case TypeSFUSwitch:
		m = &SFUSwitch{}
	case TypeSFUJoined:
		m = &SFUJoined{}
	case TypeSFUReceiving:
		m = &SFUReceiving{}
	case TypeNotice:
		m = &Notice{}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, typ)
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrBadMessage, typ, jsonProblem(err))
	}
	if err := checkDecoded(m); err != nil {
		return nil, err
	}
	return m, nil
}

// TypeOf returns the "type" of a frame without decoding the rest, so an
// error reply can name the offending message even when its fields are bad.
func TypeOf(data []byte) (string, error) {
	if !utf8.Valid(data) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrBadMessage)
	}
	var env struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return "", fmt.Errorf("%w: %s", ErrBadMessage, jsonProblem(err))
	}
	if env.Type == nil || *env.Type == "" {
		return "", fmt.Errorf("%w: missing \"type\"", ErrBadMessage)
	}
	return *env.Type, nil
}

// jsonProblem shortens encoding/json errors to something safe to echo back
// to a client: it names the field, never the content.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return "frame must be a JSON object"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	return "invalid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "struct", "ptr", "map":
		return "an object"
	case "uint16", "int", "uint", "int64", "uint64", "float64":
		return "a number in range"
	}
	return "of another type"
}
