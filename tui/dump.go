package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// Diagnostics is the content of a diagnostics dump (key d): everything
// needed to understand a call after the fact. The state includes every
// peer's stats history.
type Diagnostics struct {
	WrittenAt time.Time   `json:"written_at"`
	State     store.State `json:"state"`
	Events    []Event     `json:"events"`
}

// dumped reports where a diagnostics dump was written, or why not.
type dumped struct {
	path string
	err  error
}

// snapshot captures the diagnostics as of now. The state and the log are
// never mutated once built, so the command can read them later.
// The chat is left out: it is the users' conversation, never stored.
func (m Model) snapshot() Diagnostics {
	st := m.state
	st.Chat = nil
	return Diagnostics{WrittenAt: m.now, State: st, Events: m.events}
}

// dumpCmd writes the diagnostics as JSON into dir (the temporary directory
// when empty) under a new, timestamped name.
func dumpCmd(dir string, d Diagnostics) tea.Cmd {
	return func() tea.Msg {
		path, err := writeDiagnostics(dir, d)
		return dumped{path: path, err: err}
	}
}

func writeDiagnostics(dir string, d Diagnostics) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode diagnostics: %w", err)
	}
	f, err := os.CreateTemp(dir, "rtcterm-diag-"+d.WrittenAt.UTC().Format("20060102T150405Z")+"-*.json")
	if err != nil {
		return "", err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return filepath.Abs(f.Name())
}
