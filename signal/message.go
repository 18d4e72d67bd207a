package signal

import "fmt"

// Message is one protocol v1 frame. MessageType returns the frame's "type".
type Message interface{ MessageType() string }

// Message type names as they appear in the "type" field.
const (
	TypeJoin          = "join"
	TypeReadyForOffer = "ready-for-offer"
	TypeOffer         = "offer"
	TypeAnswer        = "answer"
	TypeICECandidate  = "ice-candidate"
	TypeMediaState    = "media-state"
	TypeLeave         = "leave"
	TypeWelcome       = "welcome"
	TypePeerJoined    = "peer-joined"
	TypePeerLeft      = "peer-left"
	TypeError         = "error"
)

// Error codes carried by Error.Code.
const (
	// CodeBadMessage: not JSON, a binary frame, missing or mistyped fields, bad room or user name.
	CodeBadMessage = "bad-message"
	// CodeUnknownType: the "type" is not one the server accepts from clients.
	CodeUnknownType = "unknown-type"
	// CodeNotJoined: a message other than join arrived before a successful join.
	CodeNotJoined = "not-joined"
	// CodeAlreadyJoined: a second join on a connection that already joined.
	CodeAlreadyJoined = "already-joined"
	// CodeUnknownPeer: "to" names no other peer of the sender's room.
	CodeUnknownPeer = "unknown-peer"
	// CodeRoomFull: the room already has the maximum number of peers.
	CodeRoomFull = "room-full"
	// CodeUnauthorized: missing, invalid, expired or wrong-room token; the server closes.
	CodeUnauthorized = "unauthorized"
	// CodeRateLimited: the message was dropped because the sender exceeded a rate limit.
	CodeRateLimited = "rate-limited"
	// CodeTooLarge: the frame exceeded the server's read limit and was dropped.
	CodeTooLarge = "too-large"
	// CodeServerBusy: the server is at a global limit (its room cap); the
	// join was refused and the server closes with 1013 (try again later).
	// Clients retry with backoff.
	CodeServerBusy = "server-busy"
)

// Resume is the one-time credential a welcome hands out; presenting it in a
// later join within the grace period keeps the peer id.
type Resume struct {
	PeerID string `json:"peerId"`
	Secret string `json:"secret"`
}

// MediaState says which media a peer is currently sending.
type MediaState struct {
	Audio  bool `json:"audio"`
	Video  bool `json:"video"`
	Screen bool `json:"screen"`
	// VideoPaused (additive, v1): the sender holds its video back for lack
	// of bandwidth, though the camera is on; absent means false.
	VideoPaused bool `json:"videoPaused,omitempty"`
}

// PeerInfo describes another member of the room in a Welcome.
type PeerInfo struct {
	PeerID   string      `json:"peerId"`
	UserID   string      `json:"userId"`
	UserName string      `json:"userName"`
	Media    *MediaState `json:"media,omitempty"` // nil until the peer sent media-state
}

// ICEServer is one STUN/TURN server entry, shaped like the browser's RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// CandidateInit is the browser's RTCIceCandidateInit.
type CandidateInit struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Join asks to enter a room. It must be the first message on a connection.
type Join struct {
	Room     string  `json:"room"`
	UserName string  `json:"userName"`
	UserID   string  `json:"userId,omitempty"`
	Token    string  `json:"token,omitempty"`
	Resume   *Resume `json:"resume,omitempty"`
}

// ReadyForOffer tells a peer (To) or, with To empty, every other peer of the
// room that the sender is ready to receive an offer.
type ReadyForOffer struct {
	To   string `json:"to,omitempty"`
	From string `json:"from,omitempty"` // set by the server; ignored when sent
}

// Offer carries an SDP offer to peer To.
type Offer struct {
	To   string `json:"to"`
	From string `json:"from,omitempty"` // set by the server; ignored when sent
	SDP  string `json:"sdp"`
}

// Answer carries an SDP answer to peer To.
type Answer struct {
	To   string `json:"to"`
	From string `json:"from,omitempty"` // set by the server; ignored when sent
	SDP  string `json:"sdp"`
}

// ICECandidate carries one trickled ICE candidate to peer To.
type ICECandidate struct {
	To        string        `json:"to"`
	From      string        `json:"from,omitempty"` // set by the server; ignored when sent
	Candidate CandidateInit `json:"candidate"`
}

// MediaStateUpdate announces the sender's media state to its room (type "media-state").
type MediaStateUpdate struct {
	From   string `json:"from,omitempty"` // set by the server; ignored when sent
	Audio  bool   `json:"audio"`
	Video  bool   `json:"video"`
	Screen bool   `json:"screen"`
	// VideoPaused (additive, v1): see MediaState.VideoPaused.
	VideoPaused bool `json:"videoPaused,omitempty"`
	// LowBandwidth (additive, v1): the sender asks the others to send it
	// little (their low layer, or a low rate); absent means false.
	LowBandwidth bool `json:"lowBandwidth,omitempty"`
}

// Leave ends the sender's membership at once.
type Leave struct{}

// Welcome answers a successful join: the peer's id, the other members, the
// ICE servers to use and a fresh one-time resume credential.
type Welcome struct {
	PeerID     string      `json:"peerId"`
	Room       string      `json:"room"`
	Peers      []PeerInfo  `json:"peers"`
	ICEServers []ICEServer `json:"iceServers"`
	Resume     *Resume     `json:"resume,omitempty"`
	// SFU (additive, v1.1): the room is on the SFU; go straight there and
	// never start mesh negotiation. Absent for a mesh room.
	SFU *SFU `json:"sfu,omitempty"`
}

// PeerJoined tells the members of a room that a new peer entered it.
type PeerJoined struct {
	PeerID   string `json:"peerId"`
	UserID   string `json:"userId"`
	UserName string `json:"userName"`
}

// PeerLeft tells the members of a room that a peer is gone for good.
type PeerLeft struct {
	PeerID string `json:"peerId"`
}

// Error reports a refused message. Ref is the type of the offending message
// when it could be read. *Error also implements the error interface.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"`
}

// MessageType implements Message.
func (Join) MessageType() string { return TypeJoin }

// MessageType implements Message.
func (ReadyForOffer) MessageType() string { return TypeReadyForOffer }

// MessageType implements Message.
func (Offer) MessageType() string { return TypeOffer }

// MessageType implements Message.
func (Answer) MessageType() string { return TypeAnswer }

// MessageType implements Message.
func (ICECandidate) MessageType() string { return TypeICECandidate }

// MessageType implements Message.
func (MediaStateUpdate) MessageType() string { return TypeMediaState }

// MessageType implements Message.
func (Leave) MessageType() string { return TypeLeave }

// MessageType implements Message.
func (Welcome) MessageType() string { return TypeWelcome }

// MessageType implements Message.
func (PeerJoined) MessageType() string { return TypePeerJoined }

// MessageType implements Message.
func (PeerLeft) MessageType() string { return TypePeerLeft }

// MessageType implements Message.
func (Error) MessageType() string { return TypeError }

// Error implements the error interface.
func (e *Error) Error() string {
	what := "the server refused"
	if e.Ref != "" {
		what += " " + e.Ref
	}
	return fmt.Sprintf("%s: %s (%s)", what, e.Message, e.Code)
}

// Is reports whether target is an *Error with the same Code, so
// errors.Is(err, &signal.Error{Code: signal.CodeRoomFull}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}
