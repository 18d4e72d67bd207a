package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/signal"
)

// evilText is what a hostile server puts in its refusal: a clipboard write
// (OSC 52), a screen clear, a C1 CSI, a bidi override and a title change.
const evilText = "go away\x1b]52;c;aGFja2Vk\x07\x1b[2J\u009b31m\u202eevil\x1b]0;pwned\x07"

// hostileServer refuses every join with evilText.
func hostileServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if _, _, err := c.Read(ctx); err != nil { // the join
			return
		}
		b, _ := signal.Encode(signal.Error{Code: signal.CodeUnauthorized, Message: evilText, Ref: signal.TypeJoin})
		_ = c.Write(ctx, websocket.MessageText, b)
		_, _, _ = c.Read(ctx) // until the client hangs up
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHostileRefusalNeverReachesTheTerminal runs rtcterm join, with the UI
// and without, on a pseudo-terminal (script(1) records every byte written
// to it) against a server whose refusal carries terminal escapes: rtcterm
// exits 1 naming the refusal, and none of the attacker's sequences appears
// in what it wrote.
func TestHostileRefusalNeverReachesTheTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) not installed")
	}
	url := hostileServer(t)
	for _, mode := range []string{"ui", "headless"} {
		t.Run(mode, func(t *testing.T) {
			args := binary(t) + " join --server " + url + " --room r --name Victim --fake-media --no-audio-out"
			if mode == "headless" {
				args += " --no-tui"
			}
			record := filepath.Join(t.TempDir(), "typescript")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "script", "-qefc", args+"; echo EXIT=$?", record)
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script: %v\n%s", err, out)
			}
			got, err := os.ReadFile(record)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(got, []byte("EXIT=1")) {
				t.Errorf("exit status not 1:\n%q", got)
			}
			if !bytes.Contains(got, []byte("the server refused join: go away")) {
				t.Errorf("the refusal is not named:\n%q", got)
			}
			for _, bad := range []string{"\x1b]52", "\x1b]0;pwned", "\u009b", "\u202e", "aGFja2Vk\x07"} {
				if bytes.Contains(got, []byte(bad)) {
					t.Errorf("the attacker's %q reached the terminal", bad)
				}
			}
			if mode == "headless" && bytes.Contains(got, []byte("\x1b")) {
				t.Errorf("headless output carries an escape sequence:\n%q", got)
			}
		})
	}
}
