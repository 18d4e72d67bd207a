package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}, lookup)
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, nil, "--help")
	if code != exitOK {
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
		"join":  {"-server", "-room", "-name", "-token", "-fake-media", "-no-tui", "-stats-json", "-duration", "-ice", "-turn", "-relay-only", "(default 800)", "-stats-interval"},
		"demo":  {"-bots", "(default 3)", "-clean", "-no-tui"},
		"serve": {"-addr", `(default "127.0.0.1:8443")`, "-max-peers", "(default 16)", "-token-secret", "-allow-origin", "-tls-cert", "-tls-key"},
		"token": {"-room", "-user", "-ttl", "(default 1h0m0s)"},
	}
	for cmd, flags := range want {
		for _, form := range [][]string{{cmd, "--help"}, {"help", cmd}} {
			code, out, _ := runCLI(t, nil, form...)
			if code != exitOK {
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
		{"join", "--room", "r"},
		{"version", "extra"},
		{"token", "--room", "r"},
	}
	for _, args := range cases {
		code, out, errs := runCLI(t, nil, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if out != "" || !strings.Contains(errs, "Usage") {
			t.Errorf("%v: usage must go to stderr; stdout=%q stderr=%q", args, out, errs)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != exitOK || !strings.HasPrefix(out, "rtcterm ") {
		t.Fatalf("exit %d, %q", code, out)
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	env := map[string]string{"RTCTERM_SERVER": "ws://example.test:1/ws", "RTCTERM_ROOM": "envroom", "RTCTERM_NAME": "Envname", "RTCTERM_TOKEN": "s3cr3t-value"}
	code, out, _ := runCLI(t, env, "join", "--help")
	if code != exitOK {
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

func TestBrowserURL(t *testing.T) {
	for _, c := range []struct {
		addr string
		want string
	}{
		{"127.0.0.1:8443", "http://127.0.0.1:8443/?room=demo&name=YOUR_NAME"},
		{"0.0.0.0:80", "http://localhost:80/?room=demo&name=YOUR_NAME"},
		{"[::]:8443", "http://localhost:8443/?room=demo&name=YOUR_NAME"},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browserURL("http", a, "demo", "YOUR_NAME"); got != c.want {
			t.Errorf("browserURL(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
}
