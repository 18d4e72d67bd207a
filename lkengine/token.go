package lkengine

import (
	"fmt"
	"time"

	"github.com/livekit/protocol/auth"
)

// MintToken makes a LiveKit access token that lets identity join room for
// ttl (DefaultTokenTTL when not positive), signed with the API key and
// secret. It is what `--api-key` and `--api-secret` do, exported for the
// demo and tests.
func MintToken(apiKey, apiSecret, room, identity string, ttl time.Duration) (string, error) {
	if apiKey == "" || apiSecret == "" {
		return "", ErrNoCredentials
	}
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	at := auth.NewAccessToken(apiKey, apiSecret).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room, CanPublish: ptr(true), CanSubscribe: ptr(true)}).
		SetIdentity(identity).
		SetName(identity).
		SetValidFor(ttl)
	tok, err := at.ToJWT()
	if err != nil {
		return "", fmt.Errorf("mint livekit token: %w", err)
	}
	return tok, nil
}

// token returns the configured token or mints one.
func (c *Config) token() (string, error) {
	if c.Token != "" {
		return c.Token, nil
	}
	return MintToken(c.APIKey, c.APISecret, c.Room, c.Identity, c.TokenTTL)
}

func ptr[T any](v T) *T { return &v }
