package tui

import (
	"reflect"

	"charm.land/bubbles/v2/key"
)

// keyMap lists every key the UI answers to; letters only (and Enter and
// Esc), so they work over SSH and inside tmux. The help panel lists its
// fields by reflection, so a key added here cannot be missing there.
type keyMap struct {
	Mic, Camera, Screen key.Binding
	Video               key.Binding
	Focus               key.Binding
	Up, Down            key.Binding
	Retry               key.Binding
	Dump                key.Binding
	Invite              key.Binding
	Louder, Quieter     key.Binding
	MutePeer            key.Binding
	LowBandwidth        key.Binding
	Chat                key.Binding
	Dismiss             key.Binding
	Help                key.Binding
	Quit                key.Binding
	Devices             key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Mic:          key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mic")),
		Camera:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "camera")),
		Screen:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "screen")),
		Video:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "video")),
		Focus:        key.NewBinding(key.WithKeys("f", "enter"), key.WithHelp("f", "focus")),
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Retry:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Dump:         key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dump")),
		Invite:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy invite")),
		Louder:       key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "louder")),
		Quieter:      key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "quieter")),
		MutePeer:     key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "mute peer")),
		LowBandwidth: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "low bandwidth")),
		Chat:         key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "chat")),
		Devices:      key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "devices")),
		Dismiss:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:         key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "leave")),
	}
}

// keyExplained says what each key of keyMap does, by field name, for the
// help panel; a test checks every field has an entry.
var keyExplained = map[string]string{
	"Mic":          "microphone on / off",
	"Camera":       "camera on / off",
	"Screen":       "share your screen / stop",
	"Video":        "video grid / stats table",
	"Focus":        "enlarge the selected peer's tile (esc: back)",
	"Up":           "select the peer above (scrolls help)",
	"Down":         "select the peer below (scrolls help)",
	"Retry":        "reconnect signaling, or the selected failed peer",
	"Dump":         "write a diagnostics file (JSON)",
	"Invite":       "copy the join lines to the clipboard (OSC 52: works over SSH and in tmux)",
	"Louder":       "the selected peer louder, 10 % a press, up to 200 %",
	"Quieter":      "the selected peer quieter, 10 % a press",
	"MutePeer":     "mute the selected peer here only (again: back to its volume)",
	"LowBandwidth": "low-bandwidth mode: send ≤ 300 kbps, ask others the same",
	"Chat":         "open the chat: type, enter sends, esc closes (every key is text while it is open)",
	"Devices":      "device picker: switch microphone, camera or speaker; the call stays up",
	"Dismiss":      "close help, leave the enlarged tile, clear the notice",
	"Help":         "this help",
	"Quit":         "leave the call (twice: quit at once)",
}

// namedBinding is one key of the map with its field name.
type namedBinding struct {
	name string
	key.Binding
}

// all lists every binding of the map in declaration order.
func (k keyMap) all() []namedBinding {
	v := reflect.ValueOf(k)
	out := make([]namedBinding, 0, v.NumField())
	for i := range v.NumField() {
		if b, ok := v.Field(i).Interface().(key.Binding); ok {
			out = append(out, namedBinding{name: v.Type().Field(i).Name, Binding: b})
		}
	}
	return out
}

// ShortHelp is the one-line help under the screen, most wanted first;
// the footer keeps Help and Quit whatever the width.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Mic, k.Camera, k.Screen, k.Video, k.Chat, k.Retry, k.Focus, k.Dump, k.Devices, k.Help, k.Quit}
}
