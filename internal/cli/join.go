package cli

import (
	"context"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/signal"
)

func setupJoin(fs *flagSet, env LookupEnv, st starters) func(context.Context, Stdio) error {
	var server, room, name, token string
	var lkURL, lkKey, lkSecret string
	var media mediaFlags
	fs.StringVar(&server, "server", envDefault(env, "RTCTERM_SERVER", ""), "signaling server `URL` (ws://, wss://, http://, https://; env RTCTERM_SERVER)")
	fs.StringVar(&room, "room", envDefault(env, "RTCTERM_ROOM", ""), "room to join (env RTCTERM_ROOM)")
	fs.StringVar(&name, "name", envName(env), "your name as others see it (env RTCTERM_NAME)")
	// The token's default is not shown in --help: it is a credential.
	fs.StringVar(&token, "token", "", "join token when the server requires one (env RTCTERM_TOKEN; a LiveKit token with --livekit)")
	fs.StringVar(&lkURL, "livekit", envDefault(env, "LIVEKIT_URL", ""), "join a LiveKit room on the SFU at `URL` instead of a mesh (env LIVEKIT_URL)")
	// Credentials: their defaults are not shown in --help.
	fs.StringVar(&lkKey, "api-key", "", "LiveKit API key, to mint a token locally (env LIVEKIT_API_KEY)")
	fs.StringVar(&lkSecret, "api-secret", "", "LiveKit API secret (env LIVEKIT_API_SECRET)")
	media.register(fs)
	fs.group("Connection", "server", "room", "name", "token", "ice", "relay-only")
	fs.group("LiveKit", "livekit", "api-key", "api-secret")
	media.groups(fs)
	return func(ctx context.Context, io Stdio) error {
		if token == "" {
			token = envDefault(env, "RTCTERM_TOKEN", "")
		}
		var lk *call.LiveKit
		if lkURL != "" {
			var err error
			if lk, err = liveKitConfig(env, lkURL, token, lkKey, lkSecret, server); err != nil {
				return err
			}
			if room == "" && lk.Token == "" {
				return usagef("--room is required with --api-key")
			}
		} else if server == "" || room == "" {
			return usagef("--server and --room are required (or --livekit URL for a LiveKit room)")
		}
		if room != "" || lk == nil {
			if err := checkRoomAndName(room, name); err != nil {
				return err
			}
		}
		url := ""
		if lk == nil {
			var err error
			if url, err = signal.NormalizeURL(server); err != nil {
				return usagef("--server: %v", err)
			}
		}
		m, out, err := media.config(env, st.device)
		if err != nil {
			return err
		}
		if err := checkTerminal(out.NoTUI); err != nil {
			return err
		}
		cfg := call.Config{ServerURL: url, Room: room, Name: name, Token: token, LiveKit: lk, Media: m, Output: out}
		if lk == nil {
			cfg.Output.JoinHint = joinHint(url, room)
		} else {
			cfg.Token = ""
		}
		errOut, unquiet := st.quiet(out.LogFile, io.Err)
		defer unquiet()
		return st.call(ctx, cfg, io.Out, errOut)
	}
}

// checkRoomAndName applies the protocol's rules to --room and --name
// here, so a bad one is a usage error before anything connects.
func checkRoomAndName(room, name string) error {
	if err := signal.ValidateRoom(room); err != nil {
		return usagef("--room %q: %s", room, strings.TrimPrefix(err.Error(), signal.ErrBadMessage.Error()+": "))
	}
	if err := signal.ValidateUserName(name); err != nil {
		return usagef("--name: %s", strings.TrimPrefix(err.Error(), signal.ErrBadMessage.Error()+": "))
	}
	return nil
}

// joinHint is how others join the same room, from a terminal or a browser,
// as lines that work when pasted (each joiner's name is their own).
func joinHint(wsURL, room string) string {
	base := strings.TrimSuffix(wsURL, "/ws")
	base = "http" + strings.TrimPrefix(base, "ws") // ws→http, wss→https
	return fmt.Sprintf("rtcterm join --server %s --room %s\nbrowser: %s/?room=%s", base, room, base, neturl.QueryEscape(room))
}

// liveKitConfig checks the LiveKit flags: a token from the room's host, or
// an API key and secret (flags or LIVEKIT_API_KEY / LIVEKIT_API_SECRET) to
// mint one; --server belongs to the mesh.
func liveKitConfig(env LookupEnv, url, token, key, secret, server string) (*call.LiveKit, error) {
	if server != "" {
		return nil, usagef("--server and --livekit are two kinds of room: give one")
	}
	if !strings.Contains(url, "://") {
		return nil, usagef("--livekit %q: want ws://, wss://, http:// or https://HOST[:PORT]", url)
	}
	if key == "" {
		key = envDefault(env, "LIVEKIT_API_KEY", "")
	}
	if secret == "" {
		secret = envDefault(env, "LIVEKIT_API_SECRET", "")
	}
	switch {
	case token != "":
		return &call.LiveKit{URL: url, Token: token}, nil
	case key != "" && secret != "":
		return &call.LiveKit{URL: url, APIKey: key, APISecret: secret}, nil
	case key != "" || secret != "":
		return nil, usagef("--api-key and --api-secret go together")
	}
	return nil, usagef("--livekit needs --token (from the room's host) or --api-key and --api-secret")
}
