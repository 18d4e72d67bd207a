package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// statsTick is the heartbeat of stats polling and of the clock on screen.
type statsTick struct{}

// minStatsTimeout bounds how long one stats collection may take before it
// is given up and the peer can be polled again.
const minStatsTimeout = 2 * time.Second

func (m Model) tick() tea.Cmd {
	return tea.Tick(m.opts.StatsInterval, func(time.Time) tea.Msg { return statsTick{} })
}

// polled reports whether a peer's stats are worth collecting: it has a
// media path, and no collection for it is in flight already.
func polled(c store.Connection) bool {
	if c.StatsInFlight {
		return false
	}
	return c.Status == store.StatusConnected || c.Status == store.StatusDisconnected
}

// poll marks every peer that is due as having a collection in flight and
// returns one command per such peer, so at most one poll per peer runs.
func (m Model) poll() (Model, tea.Cmd) {
	timeout := max(5*m.opts.StatsInterval, minStatsTimeout)
	var cmds []tea.Cmd
	for _, c := range store.SelectConnections(m.state) {
		if !polled(c) {
			continue
		}
		m = m.apply(store.CollectConnectionStatsPending{PeerID: c.PeerID, Epoch: c.Epoch})
		cmds = append(cmds, collectStatsCmd(m.opts.Engine, c.PeerID, c.Epoch, timeout, m.opts.Now))
	}
	return m, tea.Batch(cmds...)
}
