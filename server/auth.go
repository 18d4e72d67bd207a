package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rtcterm/rtcterm/signal"
)

// ErrNoSecret is returned by NewToken when the secret is empty.
var ErrNoSecret = errors.New("server: empty token secret")

// tokenClaims is the JWT payload: the room it admits to and the user name it
// vouches for, plus standard exp/iat.
type tokenClaims struct {
	Room string `json:"room"`
	User string `json:"user"`
	jwt.RegisteredClaims
}

// NewToken returns an HS256 JWT that admits user (the display name the
// server will use) to room until now+ttl.
func NewToken(secret []byte, room, user string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	if err := signal.ValidateRoom(room); err != nil {
		return "", err
	}
	if err := signal.ValidateUserName(user); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", fmt.Errorf("server: token ttl must be positive, got %v", ttl)
	}
	claims := tokenClaims{
		Room: room,
		User: user,
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// verifyToken checks signature, algorithm and expiry at now and returns the
// claims. Room matching is the caller's job.
func verifyToken(secret []byte, token string, now time.Time) (*tokenClaims, error) {
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(token, &claims,
		func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, err
	}
	if signal.ValidateRoom(claims.Room) != nil || signal.ValidateUserName(claims.User) != nil {
		return nil, errors.New("token names an invalid room or user")
	}
	return &claims, nil
}
