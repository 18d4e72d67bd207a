package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/signal"
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
	fs.StringVar(&o.TokenSecret, "token-secret", "", "require JWT join tokens signed with this secret (env RTCTERM_TOKEN_SECRET)")
	fs.Var(&o.AllowOrigins, "allow-origin", "extra browser Origin `pattern` allowed (repeatable)")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate `file`")
	fs.StringVar(&o.TLSKey, "tls-key", "", "TLS key `file`")
	fs.Var(&o.ICE, "ice", "STUN/TURN server handed to clients, `stun:HOST:PORT` or turn:USER:PASS@HOST:PORT (repeatable)")
	return func(ctx context.Context, io stdio) error {
		if o.TokenSecret == "" {
			o.TokenSecret = envDefault(env, "RTCTERM_TOKEN_SECRET", "")
		}
		if (o.TLSCert == "") != (o.TLSKey == "") {
			return usageError{"--tls-cert and --tls-key go together"}
		}
		cfg := server.Config{
			Addr:         o.Addr,
			MaxPeers:     o.MaxPeers,
			AllowOrigins: o.AllowOrigins,
			Static:       web.Handler(),
			Logger:       slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelInfo})),
		}
		if o.TokenSecret != "" {
			cfg.TokenSecret = []byte(o.TokenSecret)
		}
		for _, s := range o.ICE {
			is, err := rtc.ParseICEServer(s)
			if err != nil {
				return usageError{err.Error()}
			}
			cfg.ICEServers = append(cfg.ICEServers, signal.ICEServer{URLs: is.URLs, Username: is.Username, Credential: fmt.Sprint(is.Credential)})
		}
		srv, err := server.New(cfg)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", o.Addr)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		scheme := "http"
		if o.TLSCert != "" {
			scheme = "https"
		}
		fmt.Fprintf(io.out, "rtcterm serve: listening on %s://%s\n", scheme, ln.Addr())
		fmt.Fprintf(io.out, "join with: rtcterm join --server %s://%s --room ROOM\n", scheme, ln.Addr())
		fmt.Fprintf(io.out, "or in a browser: %s\n", browserURL(scheme, ln.Addr(), "ROOM", "YOUR_NAME"))
		return serveUntilDone(ctx, srv, ln, o.TLSCert, o.TLSKey)
	}
}

// serveUntilDone serves until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, srv *server.Server, ln net.Listener, cert, key string) error {
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- srv.ServeTLS(ln, cert, key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-errc
	return nil
}

// browserURL is the address of the web client for a room. An unspecified
// listen address (0.0.0.0, ::) becomes localhost, which browsers also treat
// as a secure context (camera and microphone allowed without TLS).
func browserURL(scheme string, addr net.Addr, room, name string) string {
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("localhost", strconv.Itoa(ta.Port))
	}
	q := url.Values{"room": {room}, "name": {name}}
	return scheme + "://" + host + "/?" + q.Encode()
}
