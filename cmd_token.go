package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rtcterm/rtcterm/server"
)

// tokenOptions are the flags of `rtcterm token`.
type tokenOptions struct {
	Room, User, Secret string
	TTL                time.Duration
}

func setupToken(fs *flag.FlagSet, env lookupEnv) func(context.Context, stdio) error {
	o := &tokenOptions{}
	fs.StringVar(&o.Room, "room", envDefault(env, "RTCTERM_ROOM", ""), "room the token admits to (env RTCTERM_ROOM)")
	fs.StringVar(&o.User, "user", envDefault(env, "RTCTERM_NAME", ""), "user name the token carries (env RTCTERM_NAME)")
	fs.StringVar(&o.Secret, "secret", "", "signing secret, as given to serve --token-secret (env RTCTERM_TOKEN_SECRET)")
	fs.DurationVar(&o.TTL, "ttl", time.Hour, "how long the token stays valid")
	return func(ctx context.Context, io stdio) error {
		if o.Secret == "" {
			o.Secret = envDefault(env, "RTCTERM_TOKEN_SECRET", "")
		}
		if o.Room == "" || o.User == "" || o.Secret == "" {
			return usageError{"--room, --user and --secret (or RTCTERM_TOKEN_SECRET) are required"}
		}
		if o.TTL <= 0 {
			return usageError{"--ttl must be positive"}
		}
		tok, err := server.NewToken([]byte(o.Secret), o.Room, o.User, o.TTL, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(io.out, tok)
		return nil
	}
}
