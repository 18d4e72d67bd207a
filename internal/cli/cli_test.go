package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/internal/demo"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/signal"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// started records what a command started; the fakes start nothing real.
type started struct {
	calls  []call.Config
	demos  []demo.Config
	listen int
	server int
	cfgs   []server.Config // what the server starter was given
}

func (s *started) any() bool { return len(s.calls)+len(s.demos)+s.listen+s.server > 0 }

type fakeDemo struct{}

func (fakeDemo) URL() string            { return "ws://127.0.0.1:1/ws" }
func (fakeDemo) JoinHint() string       { return "hint" }
func (fakeDemo) LiveKit() *call.LiveKit { return nil }
func (fakeDemo) Close()                 {}

var errFake = errors.New("fake starter")

func fakeStarters(s *started) starters {
	return starters{
		call: func(_ context.Context, cfg call.Config, _, _ io.Writer) error {
			s.calls = append(s.calls, cfg)
			return nil
		},
		demo: func(_ context.Context, cfg demo.Config) (demoCall, error) {
			s.demos = append(s.demos, cfg)
			return fakeDemo{}, nil
		},
		listen: func(string, string) (net.Listener, error) { s.listen++; return nil, errFake },
		server: func(c server.Config) (*server.Server, error) {
			s.server++
			s.cfgs = append(s.cfgs, c)
			return nil, errFake
		},
		quiet: func(_ string, errOut io.Writer) (io.Writer, func()) { return errOut, func() {} },
		device: func(kind, id string) error {
			if id == "" || id == "ok" {
				return nil
			}
			return &devices.NoSuchDeviceError{Kind: kind, ID: id, Available: []devices.DeviceInfo{{Kind: kind, ID: "ok", Label: "Fine"}}}
		},
	}
}

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var s started
	return runWith(t, &s, env, args...)
}

func runWith(t *testing.T, s *started, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = run(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, lookup, fakeStarters(s))
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, nil, "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("--help does not list %q:\n%s", c.name, out)
		}
	}
}

func TestCommandHelpListsFlagsWithDefaults(t *testing.T) {
	want := map[string][]string{
		"join":  {"--server", "--room", "--name", "--token", "--fake-media", "--no-tui", "--stats-json", "--duration", "--ice", "--relay-only", "(default 800)", "--stats-interval", "--capture-fps", "--draw-fps", "Connection:", "Media:", "Output:", "Examples:"},
		"demo":  {"--bots", "(default 3)", "--clean", "--no-tui", "Examples:"},
		"serve": {"-addr", `(default "127.0.0.1:8443")`, "-max-peers", "(default 16)", "-token-secret", "-allow-origin", "-tls-cert", "-tls-key", "--livekit-url", "--livekit-key", "--livekit-secret", "--sfu-at", "default 5"},
		"token": {"-room", "-user", "-ttl", "(default 1h0m0s)"},
	}
	for cmd, flags := range want {
		for _, form := range [][]string{{cmd, "--help"}, {"help", cmd}} {
			code, out, _ := runCLI(t, nil, form...)
			if code != ExitOK {
				t.Fatalf("%v: exit %d", form, code)
			}
			for _, f := range flags {
				if !strings.Contains(out, f) {
					t.Errorf("%v does not show %q:\n%s", form, f, out)
				}
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"bogus"},
		{"join", "--no-such-flag"},
		{"join", "--server"},
		{"demo", "--bots", "many"},
		{"join", "--room", "r"},
		{"version", "extra"},
		{"token", "--room", "r"},
	}
	for _, args := range cases {
		code, out, errs := runCLI(t, nil, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if out != "" || !strings.Contains(errs, "--help") {
			t.Errorf("%v: the error and where help is must go to stderr; stdout=%q stderr=%q", args, out, errs)
		}
		if len(args) > 0 && strings.Contains(errs, "Flags:") || strings.Contains(errs, "Media:") {
			t.Errorf("%v: a usage error prints the whole flag list:\n%s", args, errs)
		}
	}
}

// TestFlagRangesStartNothing checks every range check of join, demo and
// serve: each bad value exits 2 with a message naming the flag, and
// nothing — no server, listener, demo or call — was started.
func TestFlagRangesStartNothing(t *testing.T) {
	join := []string{"join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui"}
	demoArgs := []string{"demo", "--no-tui"}
	serve := []string{"serve", "--addr", "127.0.0.1:0"}
	cases := []struct {
		base []string
		args []string
		want string
	}{
		{demoArgs, []string{"--video-fps", "99"}, "--draw-fps"}, // the old name is an alias
		{demoArgs, []string{"--draw-fps", "0"}, "--draw-fps"},
		{demoArgs, []string{"--bots", "16"}, "--bots"},
		{demoArgs, []string{"--bots", "-1"}, "--bots"},
		{demoArgs, []string{"--fps", "61"}, "--capture-fps"},
		{join, []string{"--capture-fps", "0"}, "--capture-fps"},
		{join, []string{"--draw-fps", "31"}, "--draw-fps"},
		{join, []string{"--video-bitrate", "49"}, "--video-bitrate"},
		{join, []string{"--video-bitrate", "20001"}, "--video-bitrate"},
		{join, []string{"--video-size", "15x240"}, "--video-size"},
		{join, []string{"--video-size", "640x4097"}, "--video-size"},
		{join, []string{"--video-size", "big"}, "--video-size"},
		{join, []string{"--stats-interval", "99ms"}, "--stats-interval"},
		{join, []string{"--duration", "-1s"}, "--duration"},
		{join, []string{"--relay-only"}, "--relay-only"},
		{join, []string{"--ice", "http://x"}, "bad ICE server"},
		{join, []string{"--turn", "turn:nopass@h:1"}, "bad ICE server"},
		{join, []string{"--relay-only", "--ice", "stun:127.0.0.1:3478"}, "--relay-only"},
		{[]string{"join", "--server", "http://127.0.0.1:1", "--no-tui", "--room", "bad room"}, nil, "--room"},
		{[]string{"join", "--server", "http://127.0.0.1:1", "--no-tui", "--room", "r", "--name", "Eve\u202e"}, nil, "--name"},
		{demoArgs, []string{"--name", ""}, "--name"},
		{[]string{"join", "--room", "r", "--no-tui", "--server", "ftp://x"}, nil, "--server"},
		{[]string{"join", "--server", "http://127.0.0.1:1", "--room", "r"}, []string{"--stats-json", "-"}, "--stats-json"},
		{join, []string{"--mic", "nope"}, "--mic: no such device: no microphone with id \"nope\"; available: ok (Fine)"},
		{join, []string{"--camera", "nope"}, "--camera"},
		{demoArgs, []string{"--speaker", "nope"}, "--speaker"},
		{join, []string{"--max-send-kbps", "63"}, "--max-send-kbps"},
		{join, []string{"--max-send-kbps", "20001"}, "--max-send-kbps"},
		{serve, []string{"--max-peers", "0"}, "--max-peers"},
		{serve, []string{"--max-peers", "65"}, "--max-peers"},
		{serve, []string{"--max-conns", "0"}, "--max-conns"},
		{serve, []string{"--max-unjoined", "0"}, "--max-unjoined"},
		{serve, []string{"--max-unjoined-per-ip", "-3"}, "--max-unjoined-per-ip"},
		{serve, []string{"--max-rooms", "2000000"}, "--max-rooms"},
		{serve, []string{"--inbound-kib", "0"}, "--inbound-kib"},
		{serve, []string{"--conn-inbound-kib", "0"}, "--conn-inbound-kib"},
		{serve, []string{"--tls-cert", "c.pem"}, "--tls-key"},
		{serve, []string{"--ice", "bogus"}, "bad ICE server"},
		{serve, []string{"--allow-origin", ""}, "--allow-origin"},
		{serve, []string{"--sfu-at", "5"}, "--sfu-at needs --livekit-url"},
		{serve, []string{"--livekit-url", "ws://127.0.0.1:7880", "--livekit-key", "k"}, "go together"},
		{serve, []string{"--livekit-url", "http://127.0.0.1:7880", "--livekit-key", "k", "--livekit-secret", "s"}, "--livekit-url"},
		{serve, []string{"--livekit-url", "ws://127.0.0.1:7880", "--livekit-key", "k", "--livekit-secret", "s", "--sfu-at", "1"}, "--sfu-at"},
		{serve, []string{"--livekit-url", "ws://127.0.0.1:7880", "--livekit-key", "k", "--livekit-secret", "s", "--sfu-at", "1001"}, "--sfu-at"},
		{serve, []string{"--livekit-url", "ws://127.0.0.1:7880", "--livekit-key", "k", "--livekit-secret", "s", "--sfu-at", "many"}, "--sfu-at"},
		// Valid for clients, but no policy source can name it exactly.
		{serve, []string{"--livekit-url", "ws://127.0.0.1:7880/?region=x", "--livekit-key", "k", "--livekit-secret", "s"}, "--livekit-url"},
		{serve, []string{"--livekit-url", "wss://lk_host.example", "--livekit-key", "k", "--livekit-secret", "s"}, "--livekit-url"},
		{[]string{"token", "--room", "r", "--user", "u", "--secret", "s"}, []string{"--ttl", "0s"}, "--ttl"},
	}
	for _, c := range cases {
		args := append(append([]string(nil), c.base...), c.args...)
		var s started
		code, _, errs := runWith(t, &s, nil, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, ExitUsage, errs)
		}
		if !strings.Contains(errs, c.want) {
			t.Errorf("%v: stderr does not name %q:\n%s", args, c.want, errs)
		}
		if s.any() {
			t.Errorf("%v: started something before failing: %+v", args, s)
		}
	}
}

// TestDemoConfigFromFlags: valid flags reach the demo and the call as typed
// values, each parsed once.
func TestDemoConfigFromFlags(t *testing.T) {
	var s started
	code, _, errs := runWith(t, &s, map[string]string{"RTCTERM_NAME": "Zoë"}, "demo", "--no-tui", "--bots", "2", "--clean",
		"--video-size", "320x200", "--fps", "12", "--video-fps", "7", "--video-bitrate", "400", "--duration", "3s",
		"--stats-json", "-", "--ice", "stun:127.0.0.1:3478")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if len(s.demos) != 1 || s.demos[0].Bots != 2 || !s.demos[0].Clean {
		t.Fatalf("demo config %+v", s.demos)
	}
	if len(s.calls) != 1 {
		t.Fatalf("%d calls", len(s.calls))
	}
	c := s.calls[0]
	if c.Name != "Zoë" || c.Room != demo.Room || c.ServerURL != "ws://127.0.0.1:1/ws" || c.Output.JoinHint != "hint" {
		t.Errorf("call config %+v", c)
	}
	m, o := c.Media, c.Output
	if m.Width != 320 || m.Height != 200 || m.FPS != 12 || m.VideoBitrateKbps != 400 || len(m.ICEServers) != 1 {
		t.Errorf("media %+v", m)
	}
	if !o.NoTUI || o.DrawFPS != 7 || o.Duration != 3*time.Second || o.StatsJSON != "-" || o.StatsInterval != time.Second {
		t.Errorf("output %+v", o)
	}
}

func TestFakeMediaKinds(t *testing.T) {
	for _, c := range []struct {
		arg  string
		on   bool
		kind devices.Synthetic
	}{
		{"--fake-media", true, devices.SyntheticDefault},
		{"--fake-media=camera", true, devices.SyntheticCamera},
		{"--fake-media=pattern", true, devices.SyntheticPattern},
		{"--fake-media=false", false, devices.SyntheticDefault},
	} {
		var s started
		code, _, errs := runWith(t, &s, nil, "join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui", c.arg)
		if code != ExitOK || len(s.calls) != 1 {
			t.Fatalf("%s: exit %d: %s", c.arg, code, errs)
		}
		if m := s.calls[0].Media; m.Fake != c.on || m.FakeKind != c.kind {
			t.Errorf("%s: Fake %v kind %q", c.arg, m.Fake, m.FakeKind)
		}
	}
	if code, _, errs := runCLI(t, nil, "demo", "--no-tui", "--fake-media=cartoon"); code != ExitUsage || !strings.Contains(errs, "--fake-media") {
		t.Errorf("--fake-media=cartoon: exit %d, %q", code, errs)
	}
}

func TestDeviceFlags(t *testing.T) {
	var s started
	code, _, errs := runWith(t, &s, map[string]string{"RTCTERM_SPEAKER": "ok"}, "join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui",
		"--mic", "ok", "--camera", "ok", "--muted", "--no-camera")
	if code != ExitOK || len(s.calls) != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if m := s.calls[0].Media; m.Mic != "ok" || m.Camera != "ok" || m.Speaker != "ok" || !m.Muted || !m.NoCamera {
		t.Errorf("media %+v", m)
	}
}

// TestNoAECFlag: echo cancellation is on unless --no-aec or RTCTERM_NO_AEC
// says otherwise, for join and demo; a value that is not a boolean is a
// usage error that starts nothing.
func TestNoAECFlag(t *testing.T) {
	join := []string{"join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui"}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want bool
	}{
		{nil, join, false},
		{nil, append(append([]string(nil), join...), "--no-aec"), true},
		{map[string]string{"RTCTERM_NO_AEC": "1"}, join, true},
		{map[string]string{"RTCTERM_NO_AEC": "false"}, join, false},
		{nil, []string{"demo", "--no-tui", "--no-aec"}, true},
		{nil, []string{"demo", "--no-tui"}, false},
	} {
		var s started
		code, _, errs := runWith(t, &s, c.env, c.args...)
		if code != ExitOK || len(s.calls) != 1 {
			t.Fatalf("%v %v: exit %d: %s", c.env, c.args, code, errs)
		}
		if got := s.calls[0].Media.NoAEC; got != c.want {
			t.Errorf("%v %v: NoAEC %v, want %v", c.env, c.args, got, c.want)
		}
	}
	var s started
	code, _, errs := runWith(t, &s, map[string]string{"RTCTERM_NO_AEC": "maybe"}, join...)
	if code != ExitUsage || !strings.Contains(errs, "RTCTERM_NO_AEC") || s.any() {
		t.Errorf("RTCTERM_NO_AEC=maybe: exit %d, %q, started %+v", code, errs, s)
	}
}

func TestLiveKitFlags(t *testing.T) {
	lk := []string{"join", "--no-tui", "--livekit", "ws://127.0.0.1:7880", "--room", "r"}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "--livekit needs --token"},
		{[]string{"--api-key", "k"}, nil, "--api-key and --api-secret go together"},
		{[]string{"--token", "t", "--server", "http://x"}, nil, "give one"},
	} {
		var s started
		code, _, errs := runWith(t, &s, c.env, append(append([]string(nil), lk...), c.args...)...)
		if code != ExitUsage || !strings.Contains(errs, c.want) || s.any() {
			t.Errorf("%v: exit %d, started %v, stderr %q", c.args, code, s.any(), errs)
		}
	}
	var s started
	code, _, errs := runWith(t, &s, map[string]string{"LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}, append(lk, "--name", "Ada")...)
	if code != ExitOK || len(s.calls) != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	c := s.calls[0]
	if c.LiveKit == nil || c.LiveKit.URL != "ws://127.0.0.1:7880" || c.LiveKit.APIKey != "k" || c.LiveKit.APISecret != "s" || c.Room != "r" || c.Name != "Ada" || c.ServerURL != "" {
		t.Errorf("config %+v %+v", c, c.LiveKit)
	}
	s = started{}
	code, _, errs = runWith(t, &s, map[string]string{"LIVEKIT_URL": "wss://lk.example.org"}, "join", "--no-tui", "--token", "tok")
	if code != ExitOK || len(s.calls) != 1 || s.calls[0].LiveKit.Token != "tok" || s.calls[0].Token != "" {
		t.Errorf("LIVEKIT_URL with --token: exit %d, %s", code, errs)
	}
}

func TestJoinNormalizesServerURL(t *testing.T) {
	var s started
	code, _, errs := runWith(t, &s, map[string]string{"RTCTERM_TOKEN": "tok"}, "join", "--server", "http://127.0.0.1:9", "--room", "r", "--no-tui")
	if code != ExitOK || len(s.calls) != 1 {
		t.Fatalf("exit %d, %d calls: %s", code, len(s.calls), errs)
	}
	if c := s.calls[0]; c.ServerURL != "ws://127.0.0.1:9/ws" || c.Token != "tok" {
		t.Errorf("call config %+v", c)
	}
	want := "rtcterm join --server http://127.0.0.1:9 --room r\nbrowser: http://127.0.0.1:9/?room=r"
	if got := s.calls[0].Output.JoinHint; got != want {
		t.Errorf("join hint %q, want %q", got, want)
	}
	if got := joinHint("wss://call.example.org/ws", "standup"); got != "rtcterm join --server https://call.example.org --room standup\nbrowser: https://call.example.org/?room=standup" {
		t.Errorf("wss hint %q", got)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != ExitOK || !strings.HasPrefix(out, "rtcterm ") {
		t.Fatalf("exit %d, %q", code, out)
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	env := map[string]string{"RTCTERM_SERVER": "ws://example.test:1/ws", "RTCTERM_ROOM": "envroom", "RTCTERM_NAME": "Envname", "RTCTERM_TOKEN": "s3cr3t-value"}
	code, out, _ := runCLI(t, env, "join", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, v := range []string{"ws://example.test:1/ws", "envroom", "Envname"} {
		if !strings.Contains(out, v) {
			t.Errorf("join --help does not show env default %q", v)
		}
	}
	if strings.Contains(out, "s3cr3t-value") {
		t.Error("join --help shows the token from the environment")
	}
}

// TestHelpOnceOnStdout: --help prints the help once, on stdout, and
// nothing on stderr; hidden aliases are not listed.
func TestHelpOnceOnStdout(t *testing.T) {
	code, out, errs := runCLI(t, nil, "join", "--help")
	if code != ExitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, "Usage: rtcterm join"); n != 1 {
		t.Errorf("help printed %d times", n)
	}
	for _, hidden := range []string{"--fps ", "--video-fps", "--turn"} {
		if strings.Contains(out, hidden) {
			t.Errorf("help lists the hidden alias %s", hidden)
		}
	}
}

// TestOldFlagNamesStillWork: the names of earlier releases are aliases.
func TestOldFlagNamesStillWork(t *testing.T) {
	var s started
	code, _, errs := runWith(t, &s, nil, "join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui",
		"--fps", "12", "--video-fps", "9", "--turn", "turn:u:p@127.0.0.1:3478", "--relay-only")
	if code != ExitOK || len(s.calls) != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	c := s.calls[0]
	if c.Media.FPS != 12 || c.Output.DrawFPS != 9 || len(c.Media.ICEServers) != 1 || !c.Media.RelayOnly {
		t.Errorf("config %+v", c)
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	code, out, errs := runCLI(t, nil, "jion")
	if code != ExitUsage || out != "" || !strings.Contains(errs, `Did you mean "join"?`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, _, errs := runCLI(t, nil, "frobnicate"); strings.Contains(errs, "Did you mean") {
		t.Errorf("suggests for a far-off name: %q", errs)
	}
}

// TestFailureTextIsSanitized: an error carrying a server's text (here a
// failing call) is printed without its escape sequences.
func TestFailureTextIsSanitized(t *testing.T) {
	var out, errb bytes.Buffer
	st := fakeStarters(&started{})
	st.call = func(context.Context, call.Config, io.Writer, io.Writer) error {
		return errors.New("join refused: \x1b]52;c;aGk=\a\x1b[2J\u202eevil\u009b")
	}
	code := run(context.Background(), []string{"join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui"},
		Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, func(string) (string, bool) { return "", false }, st)
	if code != ExitFail {
		t.Fatalf("exit %d", code)
	}
	for _, bad := range []string{"\x1b", "\a", "\u202e", "\u009b"} {
		if strings.Contains(errb.String(), bad) {
			t.Errorf("stderr carries %q: %q", bad, errb.String())
		}
	}
	if !strings.Contains(errb.String(), "join refused") {
		t.Errorf("stderr lost the message: %q", errb.String())
	}
}

// TestServeChecksTLSFilesFirst: a missing certificate fails before any
// server or listener starts.
func TestServeChecksTLSFilesFirst(t *testing.T) {
	var s started
	dir := t.TempDir()
	code, _, errs := runWith(t, &s, nil, "serve", "--tls-cert", dir+"/none.pem", "--tls-key", dir+"/none.key")
	if code != ExitFail || !strings.Contains(errs, "--tls-cert") || s.any() {
		t.Fatalf("exit %d, started %+v, stderr %q", code, s, errs)
	}
}

// TestFailuresNameTheFlag: the line printed for a failed call is the
// cause a user can act on, naming the flag, not the wrapping chain.
func TestFailuresNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("signaling: %w", &signal.DialError{Host: "127.0.0.1:1", Reason: "connection refused"}),
			"rtcterm join: cannot reach 127.0.0.1:1 (connection refused) — check --server\n"},
		{fmt.Errorf("signaling: %w", &signal.Error{Code: signal.CodeUnauthorized, Message: "token expired", Ref: signal.TypeJoin}),
			"rtcterm join: the server refused join: token expired (unauthorized) — pass --token or RTCTERM_TOKEN; the room's host prints one with `rtcterm token`\n"},
	} {
		var out, errb bytes.Buffer
		st := fakeStarters(&started{})
		st.call = func(context.Context, call.Config, io.Writer, io.Writer) error { return c.err }
		code := run(context.Background(), []string{"join", "--server", "http://127.0.0.1:1", "--room", "r", "--no-tui"},
			Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, func(string) (string, bool) { return "", false }, st)
		if code != ExitFail || errb.String() != c.want {
			t.Errorf("exit %d, stderr %q, want %q", code, errb.String(), c.want)
		}
	}
}

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionLine("v1.2.3", bi)
	if !strings.HasPrefix(got, "rtcterm v1.2.3 (revision 0123456789ab-dirty, go") {
		t.Errorf("versionLine = %q", got)
	}
	if got := versionLine("dev", nil); !strings.HasPrefix(got, "rtcterm dev (go") {
		t.Errorf("versionLine without build info = %q", got)
	}
	code, out, _ := runCLI(t, nil, "--version")
	if code != ExitOK || !strings.HasPrefix(out, "rtcterm ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}
