package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

// A minimal Chrome DevTools Protocol client: enough to run JavaScript in a
// page (Runtime.evaluate), install a script before the page's own
// (Page.addScriptToEvaluateOnNewDocument), navigate, and collect what the
// page logs. The web client itself has no test hook; tests drive it from
// outside, as a user would, through this.

// cdpCallTimeout bounds one protocol round trip.
const cdpCallTimeout = 10 * time.Second

// maxPageLogs bounds the warnings and exceptions kept per page.
const maxPageLogs = 50

// cdpConn is a WebSocket to one DevTools target.
type cdpConn struct {
	ws   *websocket.Conn
	done chan struct{} // closed when the reader has stopped

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	logs    []string // console warnings/errors and uncaught exceptions
}

// cdpMessage is a reply (ID set) or an event (Method set).
type cdpMessage struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// dialCDP connects to a target's webSocketDebuggerUrl.
func dialCDP(ctx context.Context, url string) (*cdpConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial devtools %s: %w", url, err)
	}
	ws.SetReadLimit(16 << 20) // snapshots and SDPs are far smaller
	c := &cdpConn{ws: ws, done: make(chan struct{}), pending: map[int64]chan cdpMessage{}}
	go c.read()
	return c, nil
}

func (c *cdpConn) read() {
	defer close(c.done)
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m // buffered: the caller may have given up
			}
			continue
		}
		c.event(m)
	}
}

// event keeps what the page logged as a warning or error (the web client's
// logError uses console.warn) and uncaught exceptions.
func (c *cdpConn) event(m cdpMessage) {
	var text string
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(m.Params, &p) != nil || (p.Type != "warning" && p.Type != "error") {
			return
		}
		var parts []string
		for _, a := range p.Args {
			if a.Value != nil {
				parts = append(parts, fmt.Sprint(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		text = p.Type + ": " + strings.Join(parts, " ")
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if json.Unmarshal(m.Params, &p) != nil {
			return
		}
		text = "exception: " + p.Details.Text + " " + p.Details.Exception.Description
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs = append(c.logs, text)
	if len(c.logs) > maxPageLogs {
		c.logs = c.logs[1:]
	}
}

// call sends one command and waits for its reply.
func (c *cdpConn) call(method string, params any) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cdpCallTimeout)
	defer cancel()
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	if params == nil {
		params = struct{}{}
	}
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return nil, err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		forget()
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-c.done:
		return nil, fmt.Errorf("%s: devtools connection closed", method)
	case <-ctx.Done():
		forget()
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// eval runs expression in the page, awaiting a promise it returns, and
// decodes its JSON-able value into out (nil to ignore it).
func (c *cdpConn) eval(expression string, out any) error {
	return c.evaluate(expression, false, out)
}

// evalGesture is eval as if the user had just clicked: APIs that need a
// user activation (screen capture, the clipboard) accept the call.
func (c *cdpConn) evalGesture(expression string, out any) error {
	return c.evaluate(expression, true, out)
}

func (c *cdpConn) evaluate(expression string, userGesture bool, out any) error {
	res, err := c.call("Runtime.evaluate", map[string]any{
		"expression": expression, "returnByValue": true, "awaitPromise": true, "userGesture": userGesture,
	})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	if r.Exception != nil {
		return fmt.Errorf("evaluate %.60q: %s %s", expression, r.Exception.Text, r.Exception.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// pageLogs is what the page logged as warnings, errors or exceptions.
func (c *cdpConn) pageLogs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.logs...)
}

// close ends the connection and waits for its reader.
func (c *cdpConn) close() {
	_ = c.ws.CloseNow()
	<-c.done
}

// devToolsPage waits for the Chromium using dataDir to publish its
// DevTools port and returns the websocket address of its page target.
func devToolsPage(t testing.TB, dataDir string) string {
	t.Helper()
	var port int
	testkit.Eventually(t, 20*time.Second, "Chromium's DevToolsActivePort", func() bool {
		b, err := os.ReadFile(filepath.Join(dataDir, "DevToolsActivePort"))
		if err != nil {
			return false
		}
		first, _, _ := strings.Cut(string(b), "\n")
		port, err = strconv.Atoi(strings.TrimSpace(first))
		return err == nil && port > 0
	})
	// No keep-alive: goleak must not find an idle connection's goroutines.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	var url string
	testkit.Eventually(t, 10*time.Second, "Chromium's page target", func() bool {
		u, err := pageTarget(client, port)
		url = u
		return err == nil && u != ""
	})
	return url
}

// pageTarget lists the targets at /json/list and picks the page.
func pageTarget(client *http.Client, port int) (string, error) {
	res, err := client.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/json/list")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	var targets []struct {
		Type string `json:"type"`
		URL  string `json:"webSocketDebuggerUrl"`
	}
	if err := json.Unmarshal(body, &targets); err != nil {
		return "", err
	}
	for _, tg := range targets {
		if tg.Type == "page" && tg.URL != "" {
			return tg.URL, nil
		}
	}
	return "", errors.New("no page target yet")
}
