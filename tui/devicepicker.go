package tui

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// maxDeviceCells bounds a device's name on screen; device names come from
// the system (and a USB device names itself), so they are sanitized too.
const maxDeviceCells = 48

// deviceKinds are the picker's sections, in order, with their titles.
var deviceKinds = []struct{ kind, title string }{
	{"audio", "microphones"},
	{"video", "cameras"},
	{"speaker", "speakers"},
}

// devicePicker is the device picker (key D): the microphones, cameras and
// speakers the engine lists, one of them under the cursor. Enter switches
// to it, Esc closes; while it is open every key is the picker's.
type devicePicker struct {
	open    bool
	loading bool           // the engine's list has not arrived yet
	err     string         // why the list could not be had, sanitized
	devices []store.Device // in deviceKinds order
	cursor  int
}

// devicesListed carries the engine's device list to Update.
type devicesListed struct {
	devices []store.Device
	err     error
}

// listDevicesCmd asks the engine for its devices.
func listDevicesCmd(e Engine) tea.Cmd {
	return func() tea.Msg {
		d, err := e.Devices()
		return devicesListed{devices: d, err: err}
	}
}

// switchDeviceCmd switches to d; the notice names the device chosen.
func switchDeviceCmd(e Engine, d store.Device) tea.Cmd {
	noun := deviceNoun(d.Kind)
	label := deviceLabel(d)
	return func() tea.Msg {
		if err := e.SwitchDevice(d.Kind, d.ID); err != nil {
			return result{op: opDevice, what: "switching " + noun + " to " + label, err: err}
		}
		return result{op: opDevice, notice: notice{level: levelInfo, text: noun + ": " + label + " (" + Sanitize(d.ID, maxDeviceCells) + ")"}}
	}
}

// deviceNoun names a device kind for people.
func deviceNoun(kind string) string {
	switch kind {
	case "audio":
		return "microphone"
	case "video":
		return "camera"
	case "speaker":
		return "speaker"
	}
	return "device"
}

// deviceLabel is a device's name fit for the screen: its label, else its
// ID.
func deviceLabel(d store.Device) string {
	if l := Sanitize(d.Label, maxDeviceCells); l != "" {
		return l
	}
	return Sanitize(d.ID, maxDeviceCells)
}

// openPicker opens the picker and asks the engine for the devices.
func (m Model) openPicker() (tea.Model, tea.Cmd) {
	m.picker = devicePicker{open: true, loading: true}
	m.showHelp = false
	return m, listDevicesCmd(m.opts.Engine)
}

// devicesArrived fills the open picker with the engine's list, grouped by
// kind, the cursor on the first device in use.
func (m Model) devicesArrived(msg devicesListed) Model {
	if !m.picker.open {
		return m
	}
	m.picker.loading = false
	if msg.err != nil {
		m.picker.err = displayError(msg.err.Error())
	}
	var list []store.Device
	for _, k := range deviceKinds {
		for _, d := range msg.devices {
			if d.Kind == k.kind {
				list = append(list, d)
			}
		}
	}
	m.picker.devices = list
	m.picker.cursor = max(slices.IndexFunc(list, func(d store.Device) bool { return d.Current }), 0)
	return m
}

// pickerKey handles a key while the picker is open: arrows move, Enter
// switches, Esc or D closes, q and ctrl+c still leave.
func (m Model) pickerKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	p := &m.picker
	switch k.String() {
	case "ctrl+c", "q":
		m.picker = devicePicker{}
		return m.leave()
	case "esc", "D":
		m.picker = devicePicker{}
	case "up", "k":
		p.cursor = max(p.cursor-1, 0)
	case "down", "j":
		p.cursor = min(p.cursor+1, max(len(p.devices)-1, 0))
	case "enter":
		if p.loading || len(p.devices) == 0 {
			return m, nil
		}
		d := p.devices[p.cursor]
		m.picker = devicePicker{}
		if d.Current {
			return m.raise(notice{level: levelInfo, text: deviceNoun(d.Kind) + " already in use: " + deviceLabel(d)}), nil
		}
		if m.busy&opDevice != 0 {
			return m.raise(notice{level: levelInfo, text: "a device switch is still under way"}), nil
		}
		m.busy |= opDevice
		m = m.raise(notice{level: levelInfo, text: "switching " + deviceNoun(d.Kind) + " to " + deviceLabel(d) + "…"})
		return m, switchDeviceCmd(m.opts.Engine, d)
	}
	return m, nil
}

// pickerLines is the picker's body: a section per kind, each device with
// a cursor mark, a mark for the one in use, its name and its ID. It
// returns the line the cursor is on, for scrolling.
func (m Model) pickerLines(w int) ([]string, int) {
	p := m.picker
	out := []string{styleHeading.Render(" devices") + styleDim.Render(" — ↑/↓ choose · enter switch · esc close; the call stays up")}
	switch {
	case p.loading:
		return append(out, styleDim.Render("   listing devices…")), 0
	case p.err != "":
		out = append(out, clip(" "+styleBad.Render("! "+p.err), w))
	}
	at := 0
	for _, k := range deviceKinds {
		out = append(out, "", " "+styleBold.Render(k.title))
		n := 0
		for i, d := range p.devices {
			if d.Kind != k.kind {
				continue
			}
			n++
			cursor, mark := "  ", "○ "
			if i == p.cursor {
				cursor, at = "▸ ", len(out)
			}
			if d.Current {
				mark = "● "
			}
			line := " " + cursor + mark + deviceLabel(d) + styleDim.Render(" ("+Sanitize(d.ID, maxDeviceCells)+")")
			if d.Current {
				line += styleDim.Render(" in use")
			}
			if i == p.cursor {
				line = styleBold.Render(line)
			}
			out = append(out, clip(line, w))
		}
		if n == 0 {
			out = append(out, styleDim.Render("     none"))
		}
	}
	return out, at
}

// renderPicker lays the picker out in m.width × m.height cells, scrolled
// so the cursor is on screen.
func (m Model) renderPicker() string {
	w, h := m.width, m.height
	body, at := m.pickerLines(w)
	room := max(h-3, 1) // title, notification and footer lines
	first := 0
	if at >= room {
		first = at - room + 1
	}
	view := body[first:min(first+room, len(body))]
	lines := make([]string, 0, h)
	lines = append(lines, m.headerLines(w)[0])
	lines = append(lines, view...)
	for len(lines) < h-2 {
		lines = append(lines, "")
	}
	footer := fmt.Sprintf(" %s %s • %s %s • %s %s", styleBold.Render("↑/↓"), styleDim.Render("choose"),
		styleBold.Render("enter"), styleDim.Render("switch"), styleBold.Render("esc"), styleDim.Render("close"))
	lines = append(lines, m.noticeLine(w), clip(footer, w))
	return joinScreen(lines, w, h)
}
