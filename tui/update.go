package tui

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// Update applies a message and returns the commands for the I/O it asks
// for. It never blocks and never calls the Engine or the VideoSource.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	nm, ok := next.(Model)
	if !ok {
		return next, cmd
	}
	nm, tiles := nm.syncTiles()
	if tiles == nil {
		return nm, cmd
	}
	return nm, tea.Batch(cmd, tiles)
}

// update is Update before the video tiles are synchronised with the
// layout it leaves.
func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case VideoUpdate:
		return m.applyVideo(msg), nil
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.KeyPressMsg:
		m.now = m.opts.Now()
		if m.chat.open {
			return m.chatKey(msg)
		}
		if m.picker.open {
			return m.pickerKey(msg)
		}
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.chat.open {
			m.chat.draft = appendTyped(m.chat.draft, msg.Content)
		}
		return m, nil
	case store.Action:
		m.now = m.opts.Now()
		return m.apply(msg), nil
	case statsTick:
		m.now = m.opts.Now()
		m, cmd := m.poll()
		return m, tea.Batch(cmd, m.tick())
	case result:
		m.now = m.opts.Now()
		m.busy &^= msg.op
		switch {
		case msg.err != nil:
			n := notice{level: levelError, text: msg.what, err: displayError(msg.err.Error())}
			m = m.raise(n)
			m = m.logEvent(Event{At: m.now, Action: "engine", Error: joinErr(n.text, n.err)})
		case msg.notice.text != "":
			m = m.raise(msg.notice)
			m = m.logEvent(Event{At: m.now, Action: "engine", Detail: jsonDetail(msg.notice.text)})
		}
		return m, nil
	case devicesListed:
		return m.devicesArrived(msg), nil
	case dumped:
		m.now = m.opts.Now()
		m.busy &^= opDump
		if msg.err != nil {
			m = m.raise(notice{level: levelError, text: "diagnostics dump failed", err: displayError(msg.err.Error())})
			m = m.logEvent(Event{At: m.now, Action: "dump", Error: msg.err.Error()})
		} else {
			// Sticky: the user needs time to copy the path.
			m = m.raise(notice{level: levelInfo, sticky: true, text: "diagnostics written to " + Sanitize(msg.path, 4*MaxErrorCells)})
		}
		return m, nil
	case left:
		if msg.err != nil {
			m.err = errors.Join(m.err, msg.err)
		}
		return m, tea.Quit
	case Fatal:
		m.err = errors.Join(m.err, msg.Err)
		m.leaving = true
		return m, tea.Quit
	case leaveRequest:
		return m.leave()
	}
	return m, nil
}

// leaveRequest asks the UI to leave the call as if q had been pressed; Run
// sends it when its context is done.
type leaveRequest struct{}

// apply runs an action through the reducer and updates what the screen
// derives from the state: the event log, colour grades, the notification
// and the selection.
func (m Model) apply(a store.Action) Model {
	prev := m.state
	next, err := store.Apply(prev, a)
	m.state = next
	if err != nil || !routine(a) {
		m = m.logEvent(actionEvent(m.now, a, err))
	}
	if err != nil {
		return m
	}
	switch a := a.(type) {
	case store.CollectConnectionStatsFulfilled:
		m = m.regrade(a.PeerID)
	case store.UpdateConnectionStats:
		m = m.regrade(a.PeerID)
	case store.RemovePeerConnection:
		m = m.forgetGrades(a.PeerID)
		m = m.forgetFrame(a.PeerID)
	case store.UpdateRemoteMedia:
		if !a.Video {
			m = m.forgetFrame(a.PeerID)
		}
	case store.UpdateConnectionStatus:
		if a.Status != store.StatusConnected {
			m = m.forgetFrame(a.PeerID)
		}
	case store.ToggleVideo:
		if !a.Enabled {
			m = m.forgetFrame(LocalPreview)
		}
	}
	m = m.applyChat(a)
	if n, ok := noticeFor(prev, next, a, m.joined); ok {
		m = m.raise(n)
	}
	if next.Signaling.Status == store.SignalingConnected {
		m.joined = true
	}
	if !anyoneSharing(next) {
		m.gridOnly = false
	}
	m.selected = m.keepSelection(prev)
	return m
}

// raise shows a notice from now on.
func (m Model) raise(n notice) Model {
	n.at = m.now
	m.notice = n
	return m
}

// handleKey maps a key press to the state change and commands it asks for.
func (m Model) handleKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	e := m.opts.Engine
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.leave()
	case key.Matches(k, m.keys.Chat):
		return m.openChat(), nil
	case key.Matches(k, m.keys.Devices):
		return m.openPicker()
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
		m.helpScroll = 0
	case key.Matches(k, m.keys.Dismiss):
		// Esc steps back one layer: help, then an enlarged tile, and it
		// always clears the notification.
		m.notice = notice{}
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.focused:
			m.focused = false
		case m.videoView && m.sharer() != "":
			m.gridOnly = true
		}
	case key.Matches(k, m.keys.Focus):
		if m.selected != "" {
			m.videoView, m.focused, m.showHelp = true, true, false
		}
	case key.Matches(k, m.keys.Video):
		m.videoView = !m.videoView
	case key.Matches(k, m.keys.Up):
		if m.showHelp {
			m.helpScroll = max(m.helpScroll-1, 0)
			break
		}
		m.selected = m.moveSelection(-1)
	case key.Matches(k, m.keys.Down):
		if m.showHelp {
			m.helpScroll = min(m.helpScroll+1, m.maxHelpScroll())
			break
		}
		m.selected = m.moveSelection(+1)
	case key.Matches(k, m.keys.Mic):
		if m.busy&opAudio == 0 {
			m.busy |= opAudio
			return m, setAudioCmd(e, !m.state.AudioEnabled)
		}
	case key.Matches(k, m.keys.Camera):
		if m.busy&opVideo == 0 {
			m.busy |= opVideo
			return m, setVideoCmd(e, !m.state.VideoEnabled)
		}
	case key.Matches(k, m.keys.Screen):
		if m.busy&opScreen == 0 {
			m.busy |= opScreen
			// The header shows the switch busy until the engine answers;
			// the change itself arrives as its ToggleScreenShare.
			return m, setScreenShareCmd(e, !m.state.ScreenSharing)
		}
	case key.Matches(k, m.keys.Retry):
		return m.retry()
	case key.Matches(k, m.keys.Louder):
		return m.setVolume(m.volume(m.selected) + volumeStep)
	case key.Matches(k, m.keys.Quieter):
		return m.setVolume(m.volume(m.selected) - volumeStep)
	case key.Matches(k, m.keys.MutePeer):
		if v := m.volume(m.selected); v > 0 {
			m.unmuted = withVolume(m.unmuted, m.selected, v)
			return m.setVolume(0)
		}
		back, ok := m.unmuted[m.selected]
		if !ok {
			back = 1
		}
		return m.setVolume(back)
	case key.Matches(k, m.keys.LowBandwidth):
		lb, ok := m.opts.Engine.(LowBandwidthEngine)
		if !ok {
			return m.raise(notice{level: levelInfo, text: "no low-bandwidth mode in this call"}), nil
		}
		// The header follows the engine's ToggleLowBandwidth.
		return m, setLowBandwidthCmd(lb, !m.state.LowBandwidth)
	case key.Matches(k, m.keys.Invite):
		if m.opts.JoinHint == "" {
			return m.raise(notice{level: levelInfo, text: "no invite to copy in this call"}), nil
		}
		// The terminal sets the clipboard (OSC 52), even over SSH.
		return m.raise(notice{level: levelInfo, text: "invite copied to the clipboard"}), tea.SetClipboard(m.opts.JoinHint)
	case key.Matches(k, m.keys.Dump):
		if m.busy&opDump == 0 {
			m.busy |= opDump
			return m, dumpCmd(m.opts.DumpDir, m.snapshot())
		}
	}
	return m, nil
}

// leave starts leaving the call; a second request while the engine is
// still leaving quits at once.
func (m Model) leave() (tea.Model, tea.Cmd) {
	if m.leaving {
		return m, tea.Quit
	}
	m.leaving = true
	m = m.raise(notice{level: levelInfo, sticky: true, text: "leaving the call… (q again to quit now)"})
	return m, leaveCmd(m.opts.Engine)
}

// retry restarts signaling when it is down, else the selected peer when it
// failed or lost its connection.
func (m Model) retry() (tea.Model, tea.Cmd) {
	if m.busy&opRetry != 0 {
		return m, nil
	}
	switch m.state.Signaling.Status {
	case store.SignalingReconnecting, store.SignalingClosed:
		m.busy |= opRetry
		return m, retryCmd(m.opts.Engine, "", "signaling")
	}
	c, ok := m.state.Connections[m.selected]
	if !ok {
		m = m.raise(notice{level: levelInfo, text: "nothing to retry"})
		return m, nil
	}
	name := sanitizeName(c.UserName, c.PeerID)
	if c.Status != store.StatusFailed && c.Status != store.StatusDisconnected {
		m = m.raise(notice{level: levelInfo, text: "nothing to retry: " + name + " is " + string(c.Status)})
		return m, nil
	}
	m.busy |= opRetry
	return m, retryCmd(m.opts.Engine, c.PeerID, name)
}

// firstPeer returns the peer listed first, "" when there is none.
func (m Model) firstPeer() string {
	ids := store.SelectPeerIDs(m.state)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// moveSelection returns the peer delta rows away from the selected one,
// stopping at the ends of the list.
func (m Model) moveSelection(delta int) string {
	ids := store.SelectPeerIDs(m.state)
	if len(ids) == 0 {
		return ""
	}
	i := slices.Index(ids, m.selected)
	if i < 0 {
		return ids[0]
	}
	i = min(max(i+delta, 0), len(ids)-1)
	return ids[i]
}

// keepSelection keeps the selected peer if it is still there; if it left,
// the selection moves to the peer listed where it was.
func (m Model) keepSelection(prev store.State) string {
	if _, ok := m.state.Connections[m.selected]; ok {
		return m.selected
	}
	ids := store.SelectPeerIDs(m.state)
	if len(ids) == 0 {
		return ""
	}
	i := slices.Index(store.SelectPeerIDs(prev), m.selected)
	return ids[min(max(i, 0), len(ids)-1)]
}

// volume is the selected peer's playback volume as the UI set it (1 when
// untouched).
func (m Model) volume(peerID string) float64 {
	if v, ok := m.volumes[peerID]; ok {
		return v
	}
	return 1
}

// setVolume sets the selected peer's volume, rounded to the step, and
// returns the command that applies it to the playback.
func (m Model) setVolume(v float64) (tea.Model, tea.Cmd) {
	c, ok := m.state.Connections[m.selected]
	if !ok {
		return m, nil
	}
	if m.opts.Audio == nil {
		return m.raise(notice{level: levelInfo, text: "no audio playback to adjust (--no-audio-out?)"}), nil
	}
	v = min(max(math.Round(v*10)/10, 0), MaxVolume)
	m.volumes = withVolume(m.volumes, c.PeerID, v)
	text := fmt.Sprintf("%s: volume %.0f %%", peerName(c), v*100)
	if v == 0 {
		text = peerName(c) + ": muted here (0 to unmute)"
	}
	ctl, id := m.opts.Audio, c.PeerID
	return m.raise(notice{level: levelInfo, text: text}), func() tea.Msg { ctl.SetVolume(id, v); return nil }
}

// withVolume is vols with id set to v, as a new map.
func withVolume(vols map[string]float64, id string, v float64) map[string]float64 {
	out := make(map[string]float64, len(vols)+1)
	for k, x := range vols {
		out[k] = x
	}
	out[id] = v
	return out
}
