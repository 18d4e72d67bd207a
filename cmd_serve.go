package main

import (
	"context"
	"flag"
	"fmt"
)

// serveOptions are the flags of `rtcterm serve`.
type serveOptions struct {
	Addr         string
	MaxPeers     int
	TokenSecret  string
	AllowOrigins listFlag
	TLSCert      string
	TLSKey       string
	ICE          listFlag
}

func setupServe(fs *flag.FlagSet, env lookupEnv) func(context.Context, stdio) error {
	o := &serveOptions{}
	fs.StringVar(&o.Addr, "addr", envDefault(env, "RTCTERM_ADDR", "127.0.0.1:8443"), "listen `address` (env RTCTERM_ADDR)")
	fs.IntVar(&o.MaxPeers, "max-peers", 16, "peers allowed per room")
	fs.StringVar(&o.TokenSecret, "token-secret", envDefault(env, "RTCTERM_TOKEN_SECRET", ""), "require JWT join tokens signed with this secret (env RTCTERM_TOKEN_SECRET)")
	fs.Var(&o.AllowOrigins, "allow-origin", "extra browser Origin `pattern` allowed (repeatable)")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate `file`")
	fs.StringVar(&o.TLSKey, "tls-key", "", "TLS key `file`")
	fs.Var(&o.ICE, "ice", "ICE server `URL` sent to clients in welcome (repeatable)")
	return func(ctx context.Context, io stdio) error {
		return fmt.Errorf("serve: %w (the signaling server lands with issue 3)", errNotBuilt)
	}
}
