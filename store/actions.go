package store

import "time"

// Action is a message that changes the state through Reduce. The set is
// closed: every action is one of the types in this file.
type Action interface{ action() }

// InitializeLocalStream records the local media description
// (docs/slice.md's initializeLocalStream).
type InitializeLocalStream struct{ Stream LocalStream }

// AddPeerConnection creates the entry for a peer that joined the room, in
// status connecting. An existing entry is left alone.
type AddPeerConnection struct {
	PeerID, UserID, UserName string
	At                       time.Time
}

// UpdateConnectionStatus moves a peer to a new status, if the move is legal.
type UpdateConnectionStatus struct {
	PeerID string
	Status Status
	At     time.Time
}

// UpdateConnectionStats replaces a peer's stats and appends to its history.
type UpdateConnectionStats struct {
	PeerID string
	Stats  Stats
	At     time.Time
}

// RemovePeerConnection deletes a peer and everything held for it.
type RemovePeerConnection struct{ PeerID string }

// ToggleAudio sets whether the microphone is sent.
type ToggleAudio struct{ Enabled bool }

// ToggleVideo sets whether the camera is sent.
type ToggleVideo struct{ Enabled bool }

// ToggleScreenShare sets whether the screen is shared.
type ToggleScreenShare struct{ Enabled bool }

// ToggleLowBandwidth sets the low-bandwidth mode: our uplink capped low,
// and the others asked to send us little.
type ToggleLowBandwidth struct{ Enabled bool }

// AddICECandidate buffers a remote candidate until the peer's remote
// description is set.
type AddICECandidate struct {
	PeerID    string
	Candidate Candidate
}

// ICECandidatesApplied drops a peer's buffered candidates once they have
// been handed to its peer connection.
type ICECandidatesApplied struct{ PeerID string }

// SetConnectionError sets the call-wide error, or a peer's error when
// PeerID is set. An empty Error clears it.
type SetConnectionError struct {
	PeerID string
	Error  string
}

// StorePendingOffer holds an offer that arrived before local media was ready.
type StorePendingOffer struct {
	PeerID      string
	Description SessionDescription
}

// TakePendingOffer removes a held offer once it is being answered.
type TakePendingOffer struct{ PeerID string }

// UpdateRemoteMedia records what a remote peer says it is sending.
type UpdateRemoteMedia struct {
	PeerID               string
	Audio, Video, Screen bool
	VideoPaused          bool // the peer holds its video back for lack of bandwidth
}

// SetPeerFingerprint records the remote DTLS certificate fingerprint.
type SetPeerFingerprint struct {
	PeerID      string
	Fingerprint string
}

// SetLocalFingerprint records the fingerprint of our own DTLS certificate
// on a peer's connection.
type SetLocalFingerprint struct {
	PeerID      string
	Fingerprint string
}

// UpdateRecovery records the automatic reconnection progress of a peer.
type UpdateRecovery struct {
	PeerID   string
	Recovery Recovery
}

// UpdateSignaling records the state of the signaling connection.
type UpdateSignaling struct{ Signaling Signaling }

// SetAudioOutput records whether remote audio is played ("" = playing).
type SetAudioOutput struct{ Reason string }

// ChatReceived is a chat line the server relayed: From, UserName and At
// are the server's stamps. Own marks the echo of a line we sent, which
// confirms the oldest pending line with the same text.
type ChatReceived struct {
	From, UserName, Text string
	At                   time.Time
	Own                  bool
}

// ChatSent records a line we sent, shown at once and pending until the
// server's echo (ChatReceived with Own) or refusal (ChatRefused).
type ChatSent struct {
	Text string
	At   time.Time
}

// ChatRefused marks the oldest pending line as refused by the server, with
// the server's reason (too large, rate-limited, not supported).
type ChatRefused struct{ Reason string }

// ChatRead clears the unread count: the user has seen the chat.
type ChatRead struct{}

// The async operations of docs/slice.md (createAsyncThunk) report
// through pending / fulfilled / rejected actions.

// InitializeMediaPending: capture has started (initializeMedia).
type InitializeMediaPending struct{}

// InitializeMediaFulfilled: capture succeeded with this stream.
type InitializeMediaFulfilled struct{ Stream LocalStream }

// InitializeMediaRejected: capture failed.
type InitializeMediaRejected struct{ Error string }

// StartScreenSharePending: screen capture has been requested.
type StartScreenSharePending struct{}

// StartScreenShareFulfilled: the screen now feeds the video track.
type StartScreenShareFulfilled struct{}

// StartScreenShareRejected: screen capture failed; nothing changed.
type StartScreenShareRejected struct{ Error string }

// StopScreenSharePending: stopping the screen share has been requested.
type StopScreenSharePending struct{}

// StopScreenShareFulfilled: the screen no longer feeds the video track.
type StopScreenShareFulfilled struct{}

// StopScreenShareRejected: stopping failed.
type StopScreenShareRejected struct{ Error string }

// CollectConnectionStatsPending: a stats collection for a peer started.
type CollectConnectionStatsPending struct {
	PeerID string
	Epoch  uint64
}

// CollectConnectionStatsFulfilled: a stats collection finished. Results for
// an earlier Epoch are dropped.
type CollectConnectionStatsFulfilled struct {
	PeerID string
	Epoch  uint64
	Stats  Stats
	At     time.Time
}

// CollectConnectionStatsRejected: a stats collection failed.
type CollectConnectionStatsRejected struct {
	PeerID string
	Epoch  uint64
	Error  string
}

// ServerNotice is a line the signaling server sent for the screen
// (protocol v1.1 "notice"), e.g. why the room stays on the mesh. Level is
// info, warn or error; Message is as the server sent it: sanitize before
// display.
type ServerNotice struct {
	Level   string
	Message string
}

// SwitchedToSFU records that the call moved from the mesh to an SFU (or
// joined a room already there): rows are the same peers, stats now
// describe the link to the SFU. People counts the call's members, us
// included; SFU names it ("LiveKit").
type SwitchedToSFU struct {
	SFU    string
	People int
}

func (InitializeLocalStream) action()           {}
func (ServerNotice) action()                    {}
func (SwitchedToSFU) action()                   {}
func (AddPeerConnection) action()               {}
func (UpdateConnectionStatus) action()          {}
func (UpdateConnectionStats) action()           {}
func (RemovePeerConnection) action()            {}
func (ToggleAudio) action()                     {}
func (ToggleVideo) action()                     {}
func (ToggleLowBandwidth) action()              {}
func (ToggleScreenShare) action()               {}
func (AddICECandidate) action()                 {}
func (ICECandidatesApplied) action()            {}
func (SetConnectionError) action()              {}
func (StorePendingOffer) action()               {}
func (TakePendingOffer) action()                {}
func (UpdateRemoteMedia) action()               {}
func (SetPeerFingerprint) action()              {}
func (SetLocalFingerprint) action()             {}
func (UpdateRecovery) action()                  {}
func (UpdateSignaling) action()                 {}
func (SetAudioOutput) action()                  {}
func (ChatReceived) action()                    {}
func (ChatSent) action()                        {}
func (ChatRefused) action()                     {}
func (ChatRead) action()                        {}
func (InitializeMediaPending) action()          {}
func (InitializeMediaFulfilled) action()        {}
func (InitializeMediaRejected) action()         {}
func (StartScreenSharePending) action()         {}
func (StartScreenShareFulfilled) action()       {}
func (StartScreenShareRejected) action()        {}
func (StopScreenSharePending) action()          {}
func (StopScreenShareFulfilled) action()        {}
func (StopScreenShareRejected) action()         {}
func (CollectConnectionStatsPending) action()   {}
func (CollectConnectionStatsFulfilled) action() {}
func (CollectConnectionStatsRejected) action()  {}
