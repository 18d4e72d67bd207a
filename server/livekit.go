package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/twitchtv/twirp"
)

// SFUBackend is the SFU a growing room moves to. LiveKit is the one
// rtcterm ships; tests use fakes.
type SFUBackend interface {
	// Preflight makes sure the SFU is there and takes the server's
	// credentials, by creating room. An error wraps ErrSFUUnreachable or
	// ErrSFURefused.
	Preflight(ctx context.Context, room string) error
	// Token mints the access token that lets one member (identity = its
	// peer id, name = its user name) join room for ttl.
	Token(room, identity, name string, ttl time.Duration) (string, error)
}

// Errors of an SFUBackend's Preflight, for the reason members are told.
var (
	// ErrSFUUnreachable: the SFU did not answer (down, wrong host or port).
	ErrSFUUnreachable = errors.New("LiveKit unreachable")
	// ErrSFURefused: the SFU answered but refused the server's key or secret.
	ErrSFURefused = errors.New("LiveKit refused the server's key")
)

// LiveKit is the SFUBackend for a LiveKit server: the pre-flight is
// RoomService.CreateRoom with the API key (which also sets the room up
// before anyone joins it), tokens are LiveKit access tokens.
type LiveKit struct {
	URL       string // the ws:// or wss:// URL clients are sent to
	APIKey    string
	APISecret string
}

// Preflight implements SFUBackend: CreateRoom over http(s) on the host of
// URL. A refused key is ErrSFURefused, anything else ErrSFUUnreachable.
func (l LiveKit) Preflight(ctx context.Context, room string) error {
	c := lksdk.NewRoomServiceClient(l.URL, l.APIKey, l.APISecret)
	_, err := c.CreateRoom(ctx, &livekit.CreateRoomRequest{Name: room, EmptyTimeout: 300})
	if err == nil {
		return nil
	}
	var te twirp.Error
	if errors.As(err, &te) {
		switch te.Code() {
		case twirp.Unauthenticated, twirp.PermissionDenied:
			return fmt.Errorf("%w (%s)", ErrSFURefused, te.Msg())
		}
	}
	// The network's own words ("dial tcp …: connection refused") say it
	// best; the RPC layers around them say nothing more.
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Errorf("%w (%v)", ErrSFUUnreachable, op)
	}
	return fmt.Errorf("%w (%v)", ErrSFUUnreachable, err)
}

// Token implements SFUBackend: join, publish, subscribe and data for room
// only, as identity with the display name name.
func (l LiveKit) Token(room, identity, name string, ttl time.Duration) (string, error) {
	yes := true
	tok, err := auth.NewAccessToken(l.APIKey, l.APISecret).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room, CanPublish: &yes, CanSubscribe: &yes, CanPublishData: &yes}).
		SetIdentity(identity).
		SetName(name).
		SetValidFor(ttl).
		ToJWT()
	if err != nil {
		return "", fmt.Errorf("mint livekit token: %w", err)
	}
	return tok, nil
}
