package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/signal"
)

// maxRoomPeers bounds --max-peers: a mesh of more is not a call.
const maxRoomPeers = 64

// maxServerLimit bounds the server's global limits: beyond it a limit
// protects nothing on one machine.
const maxServerLimit = 1 << 20

func setupServe(fs *flagSet, env LookupEnv, st starters) func(context.Context, Stdio) error {
	var addr, tokenSecret, tlsCert, tlsKey string
	var maxPeers, maxConns, maxUnjoined, maxUnjoinedPerIP, maxRooms, inboundKiB, connKiB int
	var allowOrigins, ice listFlag
	var sfu sfuFlags
	fs.StringVar(&addr, "addr", envDefault(env, "RTCTERM_ADDR", "127.0.0.1:8443"), "listen `address` (env RTCTERM_ADDR)")
	fs.IntVar(&maxPeers, "max-peers", 16, fmt.Sprintf("peers allowed per room (1-%d)", maxRoomPeers))
	fs.IntVar(&maxConns, "max-conns", 4096, "WebSocket connections open at once, in all (further upgrades get HTTP 503)")
	fs.IntVar(&maxUnjoined, "max-unjoined", 256, "connections that have not joined a room yet, in all")
	fs.IntVar(&maxUnjoinedPerIP, "max-unjoined-per-ip", 16, "not-yet-joined connections from one address (further ones get HTTP 429)")
	fs.IntVar(&maxRooms, "max-rooms", 1024, "rooms at once (further joins get server-busy)")
	fs.IntVar(&inboundKiB, "inbound-kib", 8192, "signaling bytes read per second from all clients together, in `KiB`")
	fs.IntVar(&connKiB, "conn-inbound-kib", 64, "signaling bytes read per second from one client, in `KiB`")
	fs.StringVar(&tokenSecret, "token-secret", "", "require JWT join tokens signed with this secret (env RTCTERM_TOKEN_SECRET)")
	fs.Var(&allowOrigins, "allow-origin", "extra browser Origin `pattern` allowed (repeatable)")
	fs.StringVar(&tlsCert, "tls-cert", "", "TLS certificate `file`")
	fs.StringVar(&tlsKey, "tls-key", "", "TLS key `file`")
	fs.Var(&ice, "ice", "STUN/TURN server handed to clients, `stun:HOST:PORT` or turn:USER:PASS@HOST:PORT (repeatable)")
	fs.group("Server", "addr", "tls-cert", "tls-key", "token-secret", "allow-origin", "ice")
	sfu.register(fs, env)
	fs.group("Limits", "max-peers", "max-rooms", "max-conns", "max-unjoined", "max-unjoined-per-ip", "inbound-kib", "conn-inbound-kib")
	return func(ctx context.Context, io Stdio) error {
		if tokenSecret == "" {
			tokenSecret = envDefault(env, "RTCTERM_TOKEN_SECRET", "")
		}
		if (tlsCert == "") != (tlsKey == "") {
			return usagef("--tls-cert and --tls-key go together")
		}
		if maxPeers < 1 || maxPeers > maxRoomPeers {
			return usagef("--max-peers must be between 1 and %d", maxRoomPeers)
		}
		for _, lim := range []struct {
			name string
			v    int
		}{{"--max-conns", maxConns}, {"--max-unjoined", maxUnjoined}, {"--max-unjoined-per-ip", maxUnjoinedPerIP},
			{"--max-rooms", maxRooms}, {"--inbound-kib", inboundKiB}, {"--conn-inbound-kib", connKiB}} {
			if lim.v < 1 || lim.v > maxServerLimit {
				return usagef("%s must be between 1 and %d", lim.name, maxServerLimit)
			}
		}
		for _, o := range allowOrigins {
			if o == "" {
				return usagef("--allow-origin: empty pattern")
			}
		}
		servers, err := iceServers(ice)
		if err != nil {
			return err
		}
		cfg := server.Config{
			MaxPeers:           maxPeers,
			MaxConns:           maxConns,
			MaxUnjoined:        maxUnjoined,
			MaxUnjoinedPerIP:   maxUnjoinedPerIP,
			MaxRooms:           maxRooms,
			InboundBytesPerSec: float64(inboundKiB * 1024),
			ConnBytesPerSec:    float64(connKiB * 1024),
			AllowOrigins:       allowOrigins,
			Logger:             slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: slog.LevelInfo})),
		}
		if tokenSecret != "" {
			cfg.TokenSecret = []byte(tokenSecret)
		}
		for _, is := range servers {
			cfg.ICEServers = append(cfg.ICEServers, signal.ICEServer{URLs: is.URLs, Username: is.Username, Credential: fmt.Sprint(is.Credential)})
		}
		if err := sfu.apply(&cfg, env); err != nil {
			return err
		}
		if cfg.Static, err = webClient(cfg.SFUURL); err != nil {
			return err
		}
		if tlsCert != "" {
			// Load the pair now, so a bad file fails before "listening".
			if _, err := tls.LoadX509KeyPair(tlsCert, tlsKey); err != nil {
				return fmt.Errorf("--tls-cert/--tls-key: %w", err)
			}
		}
		srv, err := st.server(cfg)
		if err != nil {
			return err
		}
		ln, err := st.listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		scheme := "http"
		if tlsCert != "" {
			scheme = "https"
		}
		fmt.Fprintf(io.Out, "rtcterm serve: listening on %s://%s\n", scheme, ln.Addr())
		fmt.Fprintf(io.Out, "join with: rtcterm join --server %s://%s --room ROOM\n", scheme, ln.Addr())
		fmt.Fprintf(io.Out, "or in a browser: %s\n", web.BrowserURL(scheme, ln.Addr(), "ROOM", ""))
		return serveUntilDone(ctx, srv, ln, tlsCert, tlsKey)
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
