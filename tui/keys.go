package tui

import "charm.land/bubbles/v2/key"

// keyMap lists every key the UI answers to; letters only, so they work over
// SSH and inside tmux.
type keyMap struct {
	Mic, Camera, Screen key.Binding
	Retry               key.Binding
	Up, Down            key.Binding
	Dump                key.Binding
	Video               key.Binding
	Dismiss             key.Binding
	Help                key.Binding
	Quit                key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Mic:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mic")),
		Camera:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "camera")),
		Screen:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "screen")),
		Retry:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Video:   key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "video")),
		Dump:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dump")),
		Dismiss: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "dismiss")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "leave")),
	}
}

// ShortHelp is the one-line help under the screen.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Mic, k.Camera, k.Screen, k.Video, k.Retry, k.Dump, k.Help, k.Quit}
}

// FullHelp is the key map shown by "?".
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Mic, k.Camera, k.Screen},
		{k.Up, k.Down, k.Retry, k.Video},
		{k.Dump, k.Dismiss, k.Help, k.Quit},
	}
}
