package server

import (
	"fmt"

	"golang.org/x/time/rate"

	"github.com/rtcterm/rtcterm/signal"
)

// Outcomes of a chat line; they label rtcterm_signal_chat_messages_total.
const (
	chatRelayed     = "relayed"
	chatTooLarge    = "too-large"
	chatBad         = "bad-message"
	chatRateLimited = "rate-limited"
)

// newChatLimiter is one peer's chat budget. It belongs to the membership,
// not the connection, so reconnecting does not refill it.
func newChatLimiter(cfg Config) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(cfg.ChatRate), cfg.ChatBurst)
}

// chat relays a chat line to every member of the sender's room, the sender
// included, so every screen shows the same stamp (sender id, the server's
// record of the name, the server's clock). Nothing of it is kept.
func (c *conn) chat(m *signal.Chat) {
	s := c.s
	p := c.peer
	if err := signal.ValidateChatLimits(m.Text); err != nil {
		s.metrics.chat.WithLabelValues(chatTooLarge).Inc()
		c.reply(signal.CodeTooLarge, err.Error(), signal.TypeChat)
		return
	}
	if err := signal.ValidateChatText(m.Text); err != nil {
		s.metrics.chat.WithLabelValues(chatBad).Inc()
		c.reply(signal.CodeBadMessage, plainText(err), signal.TypeChat)
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	if p.gone {
		s.mu.Unlock()
		return
	}
	if !p.chat.AllowN(now, 1) {
		s.mu.Unlock()
		s.metrics.chat.WithLabelValues(chatRateLimited).Inc()
		c.reply(signal.CodeRateLimited, fmt.Sprintf("chat is limited to %d lines in a burst; this one was dropped", s.cfg.ChatBurst), signal.TypeChat)
		return
	}
	b, err := signal.Encode(signal.Chat{From: p.id, UserName: p.userName, Text: m.Text, At: now.UTC()})
	if err != nil {
		s.mu.Unlock()
		c.reply(signal.CodeBadMessage, "cannot relay this message", signal.TypeChat)
		return
	}
	s.metrics.chat.WithLabelValues(chatRelayed).Inc()
	s.broadcastLocked(p.room, nil, b, signal.TypeChat)
	s.flushDropsLocked()
	s.mu.Unlock()
}
