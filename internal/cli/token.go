package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/rtcterm/rtcterm/server"
)

func setupToken(fs *flagSet, env LookupEnv, _ starters) func(context.Context, Stdio) error {
	var room, user, secret string
	var ttl time.Duration
	fs.StringVar(&room, "room", envDefault(env, "RTCTERM_ROOM", ""), "room the token admits to (env RTCTERM_ROOM)")
	fs.StringVar(&user, "user", envDefault(env, "RTCTERM_NAME", ""), "user name the token carries (env RTCTERM_NAME)")
	fs.StringVar(&secret, "secret", "", "signing secret, as given to serve --token-secret (env RTCTERM_TOKEN_SECRET)")
	fs.DurationVar(&ttl, "ttl", time.Hour, "how long the token stays valid")
	return func(ctx context.Context, io Stdio) error {
		if secret == "" {
			secret = envDefault(env, "RTCTERM_TOKEN_SECRET", "")
		}
		if room == "" || user == "" || secret == "" {
			return usagef("--room, --user and --secret (or RTCTERM_TOKEN_SECRET) are required")
		}
		if ttl <= 0 {
			return usagef("--ttl must be positive")
		}
		tok, err := server.NewToken([]byte(secret), room, user, ttl, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(io.Out, tok)
		return nil
	}
}
