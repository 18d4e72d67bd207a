package tui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// maxChatRunes bounds the chat line being typed: the protocol's limit
// (signal.MaxChatRunes), so what fits here is what the server accepts.
const maxChatRunes = 500

// chatInput is the chat line being typed while the chat is open.
type chatInput struct {
	open  bool
	draft []rune
}

// openChat opens the chat pane and marks everything in it read.
func (m Model) openChat() Model {
	m.chat.open = true
	m.showHelp = false
	m.state = store.Reduce(m.state, store.ChatRead{})
	return m
}

// chatKey handles a key while the chat line is open: every printable key
// is text, so no other key fires while typing. Enter sends, Esc closes
// (the draft is kept), Backspace deletes; ctrl+c still leaves the call.
func (m Model) chatKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "ctrl+c":
		return m.leave()
	case "esc":
		m.chat.open = false
		return m, nil
	case "enter":
		text := strings.TrimSpace(string(m.chat.draft))
		if text == "" {
			return m, nil
		}
		m.chat.draft = nil
		return m, sendChatCmd(m.opts.Engine, text)
	case "backspace":
		if n := len(m.chat.draft); n > 0 {
			m.chat.draft = m.chat.draft[: n-1 : n-1]
		}
		return m, nil
	}
	if k.Text != "" {
		m.chat.draft = appendTyped(m.chat.draft, k.Text)
	}
	return m, nil
}

// appendTyped adds typed or pasted text to a draft, keeping only what the
// protocol accepts: white space becomes a space, other control and format
// characters (escape sequences in a paste) are dropped.
func appendTyped(draft []rune, text string) []rune {
	clean := Sanitize(text, 4*maxChatRunes)
	if clean == "" && strings.TrimSpace(text) == "" && text != "" {
		clean = " "
	}
	out := append([]rune(nil), draft...)
	for _, r := range clean {
		if len(out) >= maxChatRunes {
			break
		}
		out = append(out, r)
	}
	return out
}

// applyChat updates what the screen derives from a chat action: a line
// arriving while the chat is open is read at once; one arriving while it is
// closed, or a refusal, shows as a notice.
func (m Model) applyChat(a store.Action) Model {
	switch a := a.(type) {
	case store.ChatReceived:
		if m.chat.open {
			m.state = store.Reduce(m.state, store.ChatRead{})
		} else if !a.Own {
			name := sanitizeName(a.UserName, m.peerName(a.From))
			m = m.raise(notice{level: levelInfo, text: name + ": " + Sanitize(a.Text, MaxErrorCells) + "  (c: chat)"})
		}
	case store.ChatRefused:
		m = m.raise(notice{level: levelError, text: "chat line not sent", err: Sanitize(a.Reason, MaxErrorCells)})
	}
	return m
}

// peerName is the name the table shows for a peer id, or the id.
func (m Model) peerName(id string) string {
	if c, ok := m.state.Connections[id]; ok && c.UserName != "" {
		return c.UserName
	}
	return id
}

// renderChat is the chat screen: the header, the newest lines that fit,
// the line being typed and the keys.
func (m Model) renderChat() string {
	w, h := m.width, m.height
	header := m.headerLines(w)
	input := m.chatInputLine(w)
	footer := " " + styleBold.Render("enter") + " " + styleDim.Render("send") + styleDim.Render(" • ") +
		styleBold.Render("esc") + " " + styleDim.Render("close") + styleDim.Render(" • ") +
		styleBold.Render("ctrl+c") + " " + styleDim.Render("leave")
	bottom := []string{m.noticeLine(w), input, clip(footer, w)}
	room := h - len(header) - 1 - len(bottom)
	if room < 1 {
		header = header[:1]
		room = h - 1 - len(bottom)
	}
	lines := append([]string(nil), header...)
	lines = append(lines, styleHeading.Render(" chat")+styleDim.Render(" — lines are not stored; everyone in the room sees them"))
	body := m.chatLines(w, max(room, 0))
	for len(body) < room {
		body = append([]string{""}, body...)
	}
	lines = append(lines, body...)
	lines = append(lines, bottom...)
	return joinScreen(lines, w, h)
}

// chatLines renders the history, wrapped to w cells, and returns its last
// n screen lines. Names and text are remote: they go through Sanitize.
func (m Model) chatLines(w, n int) []string {
	if n <= 0 {
		return nil
	}
	hist := m.state.Chat
	if len(hist) == 0 {
		return []string{styleDim.Render(" no messages yet — type and press enter")}
	}
	var out []string
	// Only the newest lines can be on screen: each takes at least one row.
	for _, l := range hist[max(len(hist)-n, 0):] {
		out = append(out, m.chatLine(l, w)...)
	}
	return out[max(len(out)-n, 0):]
}

// chatLine renders one history line as "HH:MM name: text", wrapped with
// the continuation indented under the text.
func (m Model) chatLine(l store.ChatLine, w int) []string {
	name := sanitizeName(l.UserName, m.peerName(l.From))
	if l.Own && name == "" {
		name = Sanitize(m.state.Signaling.UserName, MaxNameCells)
	}
	if name == "" {
		name = "?"
	}
	at := l.At.In(m.now.Location()).Format("15:04")
	head := " " + styleDim.Render(at) + " " + styleBold.Render(name) + ": "
	mark := ""
	switch {
	case l.Pending:
		mark = styleDim.Render(" …")
	case l.Refused != "":
		mark = styleBad.Render(" ! not sent: " + Sanitize(l.Refused, MaxErrorCells))
	}
	indent := ansi.StringWidth(head)
	text := Sanitize(l.Text, 2*maxChatRunes) // a 500-character line can be 1000 cells wide
	width := max(w-indent, 8)
	wrapped := strings.Split(ansi.Wrap(text, width, ""), "\n")
	out := make([]string, len(wrapped))
	for i, part := range wrapped {
		lead := head
		if i > 0 {
			lead = spaces(indent)
		}
		out[i] = clip(lead+part, w)
	}
	out[len(out)-1] = clip(out[len(out)-1]+mark, w)
	return out
}

// chatInputLine is the line being typed, its tail when it is wider than
// the screen, with a cursor.
func (m Model) chatInputLine(w int) string {
	prompt := styleBold.Render(" > ")
	text := string(m.chat.draft)
	room := max(w-ansi.StringWidth(prompt)-1, 1)
	for ansi.StringWidth(text) > room {
		_, size := utf8.DecodeRuneInString(text)
		text = text[size:]
	}
	return clip(prompt+text+styleTitle.Render(" "), w)
}

// chatBadge is the header's unread count, "" when nothing is unread.
func chatBadge(unread int) string {
	switch {
	case unread <= 0:
		return ""
	case unread > 99:
		return "chat 99+ new"
	}
	return "chat " + strconv.Itoa(unread) + " new"
}
