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
	var media mediaFlags
	fs.StringVar(&server, "server", envDefault(env, "RTCTERM_SERVER", ""), "signaling server `URL` (ws://, wss://, http://, https://; env RTCTERM_SERVER)")
	fs.StringVar(&room, "room", envDefault(env, "RTCTERM_ROOM", ""), "room to join (env RTCTERM_ROOM)")
	fs.StringVar(&name, "name", envName(env), "your name as others see it (env RTCTERM_NAME)")
	// The token's default is not shown in --help: it is a credential.
	fs.StringVar(&token, "token", "", "join token when the server requires one (env RTCTERM_TOKEN)")
	media.register(fs)
	fs.group("Connection", "server", "room", "name", "token", "ice", "relay-only")
	media.groups(fs)
	return func(ctx context.Context, io Stdio) error {
		if token == "" {
			token = envDefault(env, "RTCTERM_TOKEN", "")
		}
		if server == "" || room == "" {
			return usagef("--server and --room are required")
		}
		if err := checkRoomAndName(room, name); err != nil {
			return err
		}
		url, err := signal.NormalizeURL(server)
		if err != nil {
			return usagef("--server: %v", err)
		}
		m, out, err := media.config(env, st.device)
		if err != nil {
			return err
		}
		if err := checkTerminal(out.NoTUI); err != nil {
			return err
		}
		out.JoinHint = joinHint(url, room)
		cfg := call.Config{ServerURL: url, Room: room, Name: name, Token: token, Media: m, Output: out}
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
