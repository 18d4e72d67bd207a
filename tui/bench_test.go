package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// BenchmarkView measures one frame with 3 and 16 peers, each with a full
// minute of history, at 80×24 and 160×48.
func BenchmarkView(b *testing.B) {
	for _, n := range []int{3, 16} {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			b.Run(fmt.Sprintf("peers=%d/%dx%d", n, size[0], size[1]), func(b *testing.B) {
				s := callState(n)
				m := New(Options{Engine: newFakeEngine(b), Initial: s, Now: func() time.Time { return t0 }})
				for _, id := range store.SelectPeerIDs(s) {
					m = m.regrade(id)
				}
				next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				m = next.(Model)
				b.ReportAllocs()
				for b.Loop() {
					_ = m.View()
				}
			})
		}
	}
}

// BenchmarkUpdateStats measures applying one stats result with 16 peers.
func BenchmarkUpdateStats(b *testing.B) {
	s := callState(16)
	m := New(Options{Engine: newFakeEngine(b), Initial: s, Now: func() time.Time { return t0 }})
	c := s.Connections["p00"]
	b.ReportAllocs()
	for b.Loop() {
		next, _ := m.Update(store.CollectConnectionStatsFulfilled{PeerID: "p00", Epoch: c.Epoch, Stats: c.Stats, At: t0})
		_ = next
	}
}
