// Package store is the connection slice: the state of a call, the actions
// that change it, a pure reducer and the selectors views read it through.
//
// It mirrors the Redux "rtcConnection" slice of docs/slice.md.
// Live objects (peer connections, tracks, encoders) never enter the state;
// they live in the rtc and devices packages, keyed by peer id.
package store

import "time"

// Status is the lifecycle state of one peer connection.
type Status string

// The statuses a peer connection moves through; see Transition for the
// allowed moves.
const (
	StatusConnecting   Status = "connecting"
	StatusConnected    Status = "connected"
	StatusDisconnected Status = "disconnected"
	StatusFailed       Status = "failed"
	StatusClosed       Status = "closed"
)

// MaxBufferedCandidates bounds the remote candidates held per peer before
// its remote description is set. An honest peer sends a handful; beyond
// the bound AddICECandidate drops them (counted in
// State.CandidatesDropped), so a flood costs neither memory nor a copy of
// an ever longer list per candidate.
const MaxBufferedCandidates = 64

// HistoryLen bounds the per-peer sample history: one minute at the default
// one-second stats interval, enough for the detail pane's sparklines.
const HistoryLen = 60

// Route describes the nominated ICE candidate pair of a connection.
type Route struct {
	LocalType  string // host, srflx, prflx or relay
	RemoteType string // host, srflx, prflx or relay
	Protocol   string // udp or tcp
	LocalAddr  string // ip:port of the local candidate
	RemoteAddr string // ip:port of the remote candidate
}

// String gives the short form shown in the peer table, e.g. "host/udp" or
// "relay/udp"; the more remote of the two candidate types wins.
func (r Route) String() string {
	if r.LocalType == "" && r.RemoteType == "" {
		return ""
	}
	kind := r.RemoteType
	if rank(r.LocalType) > rank(kind) {
		kind = r.LocalType
	}
	if r.Protocol == "" {
		return kind
	}
	return kind + "/" + r.Protocol
}

// rank orders candidate types from most direct to most indirect.
func rank(t string) int {
	switch t {
	case "host":
		return 1
	case "srflx", "prflx":
		return 2
	case "relay":
		return 3
	}
	return 0
}

// Stats is one measurement of a peer connection. The first four fields are
// docs/slice.md's latency, bandwidth, packetLoss and lastUpdated; the
// rest is what a user troubleshooting a call needs. Units are in the names.
type Stats struct {
	RTTMillis       float64   // round-trip time of the nominated pair (latency)
	RecvKbps        float64   // receive bitrate, all media (bandwidth)
	LossPct         float64   // inbound packets lost over the last interval
	LastUpdated     time.Time // when the sample was taken
	SendKbps        float64   // send bitrate, all media
	JitterMillis    float64   // inbound interarrival jitter, worst stream
	FramesPerSecond float64   // video frames received per second
	Width, Height   int       // received video resolution in pixels
	VideoCodec      string    // e.g. "VP8"
	AudioCodec      string    // e.g. "opus"
	Route           Route     // nominated candidate pair
	AudioLevel      float64   // received audio level, 0 (silence) to 1 (full scale)

	// Congestion control of what we send to this peer.
	AvailableSendKbps float64 // this connection's send-side bandwidth estimate
	SendTargetKbps    float64 // the target of the encoding sent to this peer (the lowest among the peers it serves)
	LimitedBy         string  // why the target is below the ceiling: "bandwidth", "peer request", "cpu" or ""
	// SendLayer is the encoding sent to this peer: "high" or "low" (two
	// encodings shared by all peers), "paused" (audio only), or "main"
	// (media with one shared encoding); "" before it is known.
	SendLayer   string
	VideoPaused bool // video is paused for lack of bandwidth: audio only
	// Quality is the SFU's connection quality for the peer in LiveKit mode:
	// "excellent", "good", "poor" or "lost"; "" in a mesh call.
	Quality string
}

// Sample is one point of a peer's stats history, for sparklines.
type Sample struct {
	At              time.Time
	RTTMillis       float64
	RecvKbps        float64
	SendKbps        float64
	LossPct         float64
	JitterMillis    float64
	FramesPerSecond float64
}

// MediaState is what a remote peer says it sends: microphone, camera and
// screen share on or off. Known is false until the peer has said anything.
type MediaState struct {
	Known  bool
	Audio  bool
	Video  bool
	Screen bool
	// VideoPaused: the peer's camera is on but it holds its video back
	// for lack of bandwidth on its side (its link): audio only.
	VideoPaused bool
}

// Recovery describes automatic reconnection attempts for a peer.
type Recovery struct {
	Attempt     int       // 1-based attempt in progress; 0 when not recovering
	MaxAttempts int       // attempts allowed before giving up
	NextAt      time.Time // when the next attempt starts (zero if running)
}

// Connection is the state of the call with one remote peer.
type Connection struct {
	PeerID         string
	UserID         string
	UserName       string // as the remote sent it: sanitize before display
	Status         Status
	Stats          Stats
	History        []Sample // oldest first, at most HistoryLen; never shared between states
	Error          string   // last error for this peer, "" when none
	ConnectedAt    time.Time
	DisconnectedAt time.Time
	Media          MediaState
	Fingerprint    string // remote DTLS certificate fingerprint, "" until known
	// LocalFingerprint is the fingerprint of our own DTLS certificate on
	// this connection, so a verification code can cover both ends.
	LocalFingerprint string
	Recovery         Recovery
	// Epoch identifies this incarnation of the connection: it changes when
	// the peer is added and whenever it starts connecting again, so late
	// results from an earlier incarnation are recognised and dropped.
	Epoch uint64
	// StatsInFlight is true while a stats collection for this peer runs, so
	// only one is in flight at a time.
	StatsInFlight bool
}

// Track describes one captured local track. It is a description only: the
// capture object itself lives in the devices package.
type Track struct {
	Kind      string // "audio" or "video"
	Label     string // device label, or a name for a synthetic source
	DeviceID  string
	Synthetic bool // generated (test pattern, tone) rather than captured
}

// LocalStream describes the local media the call sends.
type LocalStream struct {
	Tracks []Track
	// EchoCancel: the microphone is cleaned of what the speaker plays
	// (echo cancellation, noise suppression, gain control).
	EchoCancel bool
}

// Synthetic reports whether every track of the stream is generated.
func (l LocalStream) Synthetic() bool {
	if len(l.Tracks) == 0 {
		return false
	}
	for _, t := range l.Tracks {
		if !t.Synthetic {
			return false
		}
	}
	return true
}

// Track returns the first track of the given kind.
func (l LocalStream) Track(kind string) (Track, bool) {
	for _, t := range l.Tracks {
		if t.Kind == kind {
			return t, true
		}
	}
	return Track{}, false
}

// Candidate is a remote ICE candidate (the RTCIceCandidateInit fields).
type Candidate struct {
	Candidate        string
	SDPMid           string
	SDPMLineIndex    uint16
	UsernameFragment string
}

// SessionDescription is an SDP offer or answer.
type SessionDescription struct {
	Type string // "offer" or "answer"
	SDP  string
}

// SignalingStatus is the state of the connection to the signaling server.
type SignalingStatus string

// The states of the signaling connection.
const (
	SignalingIdle         SignalingStatus = ""
	SignalingConnecting   SignalingStatus = "connecting"
	SignalingConnected    SignalingStatus = "connected"
	SignalingReconnecting SignalingStatus = "reconnecting"
	SignalingClosed       SignalingStatus = "closed"
)

// Signaling describes this client's membership of a room.
type Signaling struct {
	Status   SignalingStatus
	Attempt  int    // reconnection attempt while reconnecting
	Error    string // last signaling error
	Room     string
	PeerID   string // our own peer id, assigned by the server
	UserName string // our own name
}

// State is the whole connection slice.
type State struct {
	Connections   map[string]Connection
	LocalStream   *LocalStream // nil until media is initialised
	AudioEnabled  bool
	VideoEnabled  bool
	ScreenSharing bool
	// LowBandwidth is the low-bandwidth mode (key b): our uplink capped
	// low and the others asked to send us little.
	LowBandwidth bool
	// ICECandidates holds remote candidates received before the remote
	// description was set, per peer, until they are applied.
	ICECandidates map[string][]Candidate
	// CandidatesDropped counts candidates AddICECandidate refused because
	// the peer already had MaxBufferedCandidates buffered.
	CandidatesDropped uint64
	// PendingOffers holds offers received before local media was ready.
	PendingOffers map[string]SessionDescription
	Error         string // last call-wide error, "" when none
	Loading       bool   // an async operation (media, screen share) is running
	Signaling     Signaling
	// AudioOutput says whether remote audio is played, and why not.
	AudioOutput string
	// Chat is the chat history, oldest first, at most ChatHistoryLen
	// lines; never shared between states.
	Chat []ChatLine
	// ChatUnread counts remote lines received since the last ChatRead.
	ChatUnread int
	// SFU names the SFU the call's media goes through ("LiveKit"); ""
	// while it is a mesh.
	SFU string
	// order holds the peer ids of Connections in PeerOrder, kept by the
	// reducer on add and remove (nothing else changes a name or an id),
	// so the selectors list peers without sorting on every render. A new
	// slice is made on every change: states never share a mutated one.
	order []string
	// epochs counts connection incarnations so every Epoch is unique.
	epochs uint64
}

// New returns the initial state: no peers, microphone and camera enabled,
// not sharing the screen, as in docs/slice.md.
func New() State {
	return State{
		Connections:   map[string]Connection{},
		AudioEnabled:  true,
		VideoEnabled:  true,
		ICECandidates: map[string][]Candidate{},
		PendingOffers: map[string]SessionDescription{},
	}
}
