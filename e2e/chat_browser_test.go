package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/testkit"
)

// pageChat is the page's chat panel as its user sees it.
type pageChat struct {
	Lines   []string `json:"lines"`   // "name: text" per line
	Pending int      `json:"pending"` // own lines not yet echoed
	Unread  string   `json:"unread"`  // the badge, "" when hidden
	Markup  int      `json:"markup"`  // elements inside the lines' text: must stay 0
}

func (p *browserPage) chat(t testing.TB) pageChat {
	t.Helper()
	var c pageChat
	err := p.cdp.eval(`(() => {
		const lis = [...document.querySelectorAll('#chat-log li')];
		const badge = document.getElementById('chat-unread');
		return {
			lines: lis.map((li) => li.querySelector('b').textContent + ': ' + li.querySelector('.text').textContent),
			pending: document.querySelectorAll('#chat-log li.pending').length,
			unread: badge.hidden ? '' : badge.textContent,
			markup: document.querySelectorAll('#chat-log .text *').length,
		};
	})()`, &c)
	if err != nil {
		t.Fatalf("page %s: chat: %v", p.name, err)
	}
	return c
}

// TestChatBetweenBrowserAndTerminal: a line typed in the terminal session
// reaches Chromium's chat panel (with the unread badge), and a line typed
// in the browser reaches the terminal, both stamped by the server; markup
// in a line stays text.
func TestChatBetweenBrowserAndTerminal(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "chat", "Browser", ""))
	term := startTerminal(t, base, "chat", "Term")
	page.waitFor(t, 20*time.Second, "sees Term", func(r pageReport) bool {
		_, ok := r.peerNamed("Term")
		return ok
	})
	testkit.Eventually(t, 10*time.Second, "terminal sees the browser", func() bool {
		_, ok := term.peerNamed("Browser")
		return ok
	})

	// Terminal → browser.
	if err := term.sess.SendChat("hello from the terminal ☕"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the browser shows the terminal's line with an unread badge", func() bool {
		c := page.chat(t)
		return slices.Equal(c.Lines, []string{"Term: hello from the terminal ☕"}) && c.Unread == "1"
	})

	// Browser → terminal, typed and sent as a user would.
	const hostile = `<img src=x onerror="document.title='owned'"> hi from Chromium`
	page.do(t, "open the chat and send a line", `(() => {
		document.getElementById('chat-toggle').click();
		if (document.getElementById('chat-unread').hidden !== true) throw new Error('badge still shown after opening');
		const input = document.getElementById('chat-input');
		input.value = `+"`"+hostile+"`"+`;
		document.getElementById('chat-form').requestSubmit();
	})()`)
	testkit.Eventually(t, 10*time.Second, "the terminal got the browser's line", func() bool {
		for _, l := range term.rec.State().Chat {
			if l.UserName == "Browser" && l.Text == hostile && !l.Own {
				return true
			}
		}
		return false
	})
	testkit.Eventually(t, 10*time.Second, "the browser's own line was echoed", func() bool {
		c := page.chat(t)
		return c.Pending == 0 && len(c.Lines) == 2 && c.Lines[1] == "Browser: "+hostile
	})
	if c := page.chat(t); c.Markup != 0 {
		t.Errorf("a chat line became markup: %d elements", c.Markup)
	}
	var title string
	if err := page.cdp.eval("document.title", &title); err != nil || title == "owned" {
		t.Errorf("page title %q (err %v): the line ran as markup", title, err)
	}
	// The terminal's own line was confirmed by the server's echo.
	st := term.rec.State()
	if len(st.Chat) != 2 || st.Chat[0].Pending || !st.Chat[0].Own || st.ChatUnread != 1 {
		t.Errorf("terminal chat: %+v unread %d", st.Chat, st.ChatUnread)
	}
	if logs := page.errors(); len(logs) > 0 && strings.Contains(strings.Join(logs, "|"), "chat") {
		t.Errorf("page logged chat errors: %q", logs)
	}
	term.close()
}
