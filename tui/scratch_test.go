package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestScratch(t *testing.T) {
	for _, n := range []int{0, 3, 12} {
		h := newHarness(t, callState(n))
		for _, sz := range [][2]int{{80, 24}, {160, 48}, {40, 10}} {
			h.update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			fmt.Println(ansi.Strip(h.view()))
			fmt.Println("-----")
		}
	}
}
