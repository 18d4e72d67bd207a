package tui

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// only returns the one message cmd produces.
func only(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	msgs := execute(cmd)
	if len(msgs) != 1 {
		t.Fatalf("command produced %d messages: %#v", len(msgs), msgs)
	}
	return msgs[0]
}

// wantCalls checks the engine calls since the last check.
func (h *harness) wantCalls(t *testing.T, want ...string) {
	t.Helper()
	got := h.eng.Calls()
	h.eng.mu.Lock()
	h.eng.calls = nil
	h.eng.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("engine calls %q, want %q", got, want)
	}
}

func TestKeyMic(t *testing.T) {
	h := newHarness(t, callState(1))
	cmd := h.key("m")
	h.wantCalls(t) // nothing until the command runs
	if cmd == nil {
		t.Fatal("m returned no command")
	}
	if again := h.key("m"); again != nil {
		t.Fatal("second m while the first is in flight started another command")
	}
	msg := only(t, cmd)
	h.wantCalls(t, "SetAudio(false)")
	if r, ok := msg.(result); !ok || r.op != opAudio || r.err != nil {
		t.Fatalf("result %#v", msg)
	}
	h.update(msg)
	if !h.m.State().AudioEnabled {
		t.Fatal("the UI changed the switch itself; it is the engine's to report")
	}
	h.pump() // the engine's ToggleAudio
	if h.m.State().AudioEnabled {
		t.Fatal("mic still on")
	}
	if !strings.Contains(h.view(), "MIC MUTED") {
		t.Fatal("muted mic not shown")
	}
	// And back on.
	h.settle(h.key("m"))
	h.wantCalls(t, "SetAudio(true)")
	if !h.m.State().AudioEnabled {
		t.Fatal("mic still off")
	}
}

func TestKeyMicFails(t *testing.T) {
	h := newHarness(t, callState(1))
	h.eng.fail["SetAudio"] = errors.New("device busy")
	h.settle(h.key("m"))
	if !h.m.State().AudioEnabled {
		t.Fatal("mic toggled although the engine failed")
	}
	if got := h.m.notice; got.level != levelError || got.render(h.m.State(), h.m.now) != "microphone: device busy" {
		t.Fatalf("notice %+v", got)
	}
	if got := h.m.State().Error; got != "" {
		t.Fatalf("a failed command wrote the state's error %q", got)
	}
	if !strings.Contains(h.view(), "microphone: device busy") {
		t.Fatal("error not in the notification line")
	}
	// The key works again after a failure.
	delete(h.eng.fail, "SetAudio")
	h.eng.calls = nil
	h.settle(h.key("m"))
	h.wantCalls(t, "SetAudio(false)")
}

func TestKeyCamera(t *testing.T) {
	h := newHarness(t, callState(1))
	cmd := h.key("v")
	h.wantCalls(t)
	h.settle(cmd)
	h.wantCalls(t, "SetVideo(false)")
	if h.m.State().VideoEnabled {
		t.Fatal("camera still on")
	}
	h.eng.fail["SetVideo"] = errBoom
	h.settle(h.key("v"))
	if h.m.State().VideoEnabled || h.m.notice.render(h.m.State(), h.m.now) != "camera: boom" {
		t.Fatalf("state %+v, notice %+v", h.m.State(), h.m.notice)
	}
}

func TestKeyScreenShare(t *testing.T) {
	h := newHarness(t, callState(1))
	cmd := h.key("s")
	if h.m.busy&opScreen == 0 {
		t.Fatal("the screen switch is not busy while the screen share starts")
	}
	if h.key("s") != nil {
		t.Fatal("second s while starting started another command")
	}
	msg := only(t, cmd)
	h.wantCalls(t, "SetScreenShare(true)")
	if r := msg.(result); r.op != opScreen || r.err != nil {
		t.Fatalf("result %#v", r)
	}
	h.update(msg)
	if h.m.State().ScreenSharing {
		t.Fatal("the UI changed the switch itself; it is the engine's to report")
	}
	h.pump()
	if s := h.m.State(); s.Loading || !s.ScreenSharing || h.m.busy&opScreen != 0 {
		t.Fatalf("state %+v, busy %b", s, h.m.busy)
	}
	h.settle(h.key("s"))
	h.wantCalls(t, "SetScreenShare(false)")
	if s := h.m.State(); s.Loading || s.ScreenSharing {
		t.Fatalf("state %+v", s)
	}
}

func TestKeyScreenShareRejected(t *testing.T) {
	h := newHarness(t, callState(1))
	h.eng.fail["SetScreenShare"] = errors.New("screen capture not available: no X11 display (DISPLAY is unset)")
	msg := only(t, h.key("s"))
	if r := msg.(result); r.err == nil || r.err.Error() != "screen capture not available: no X11 display (DISPLAY is unset)" {
		t.Fatalf("result %#v", r)
	}
	h.update(msg)
	if s := h.m.State(); s.Loading || s.ScreenSharing {
		t.Fatalf("state %+v", s)
	}
	if !strings.Contains(h.view(), "screen share: screen capture not available") {
		t.Fatalf("no notice:\n%s", h.view())
	}
	h.key("esc")
	if strings.Contains(h.view(), "screen share:") {
		t.Fatal("esc did not dismiss the notice")
	}
}

func TestKeyRetry(t *testing.T) {
	h := newHarness(t, callState(5)) // p03 Barbara failed
	// Ada is selected and connected: nothing to retry.
	if h.key("r") != nil {
		t.Fatal("retry on a connected peer")
	}
	if !strings.Contains(h.view(), "nothing to retry: Ada is connected") {
		t.Fatal("no explanation")
	}
	h.key("j")
	if h.m.Selected() != "p03" {
		t.Fatalf("selected %q", h.m.Selected())
	}
	h.settle(h.key("r"))
	h.wantCalls(t, `Retry("p03")`)
	if !strings.Contains(h.view(), "retrying Barbara") {
		t.Fatal("no notice")
	}
	h.eng.fail["Retry"] = errBoom
	h.settle(h.key("r"))
	h.wantCalls(t, `Retry("p03")`)
	if got := h.m.notice; got.level != levelError || got.render(h.m.State(), h.m.now) != "retry Barbara: boom" {
		t.Fatalf("notice %+v", got)
	}
	if got := h.m.State().Connections["p03"].Error; got == "retry Barbara: boom" {
		t.Fatal("a failed command wrote the peer's error into the state")
	}
}

func TestKeyRetrySignaling(t *testing.T) {
	h := newHarness(t, callState(1))
	sig := h.m.State().Signaling
	sig.Status = store.SignalingClosed
	h.update(store.UpdateSignaling{Signaling: sig})
	h.settle(h.key("r"))
	h.wantCalls(t, `Retry("")`)
}

func TestKeySelect(t *testing.T) {
	h := newHarness(t, callState(3)) // Ada, Grace, Linus
	steps := []struct{ key, want string }{
		{"k", "p01"}, {"up", "p01"}, {"j", "p00"}, {"down", "p02"}, {"j", "p02"}, {"k", "p00"},
	}
	if h.m.Selected() != "p01" {
		t.Fatalf("initial selection %q", h.m.Selected())
	}
	for _, s := range steps {
		if cmd := h.key(s.key); cmd != nil {
			t.Fatalf("%s returned a command", s.key)
		}
		if h.m.Selected() != s.want {
			t.Fatalf("after %s: selected %q, want %q", s.key, h.m.Selected(), s.want)
		}
	}
	// The selected peer leaves: the selection moves to its neighbour.
	h.update(store.RemovePeerConnection{PeerID: "p00"})
	if h.m.Selected() != "p02" {
		t.Fatalf("after leave: %q", h.m.Selected())
	}
	h.update(store.RemovePeerConnection{PeerID: "p02"})
	h.update(store.RemovePeerConnection{PeerID: "p01"})
	if h.m.Selected() != "" {
		t.Fatalf("empty call: %q", h.m.Selected())
	}
	h.update(store.AddPeerConnection{PeerID: "n", UserName: "Newcomer", At: t0})
	if h.m.Selected() != "n" {
		t.Fatalf("newcomer not selected: %q", h.m.Selected())
	}
}

func TestKeyDump(t *testing.T) {
	h := newHarness(t, callState(3))
	h.update(store.RemovePeerConnection{PeerID: "nobody"}) // an error for the log
	cmd := h.key("d")
	if h.key("d") != nil {
		t.Fatal("second dump while writing")
	}
	msg := only(t, cmd)
	h.wantCalls(t)
	d, ok := msg.(dumped)
	if !ok || d.err != nil {
		t.Fatalf("dump %#v", msg)
	}
	h.update(msg)
	if !strings.Contains(ansiStrip(h.view()), "diagnostics written to") {
		t.Fatal("path not shown")
	}
	data, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	var got Diagnostics
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.State.Connections) != 3 || len(got.State.Connections["p00"].History) != 45 {
		t.Fatalf("dump state %+v", got.State)
	}
	last := got.Events[len(got.Events)-1]
	if last.Action != "RemovePeerConnection" || last.PeerID != "nobody" || !strings.Contains(last.Error, "unknown peer") {
		t.Fatalf("last event %+v", last)
	}
	// A second dump writes a second file.
	msg2 := only(t, h.key("d"))
	if d2 := msg2.(dumped); d2.err != nil || d2.path == d.path {
		t.Fatalf("second dump %+v", d2)
	}
}

func TestKeyDumpFails(t *testing.T) {
	h := newHarness(t, callState(0))
	h.m.opts.DumpDir = "/nonexistent/dir"
	h.settle(h.key("d"))
	if !strings.Contains(ansiStrip(h.view()), "diagnostics dump failed") {
		t.Fatal("failure not shown")
	}
}

func TestKeyHelp(t *testing.T) {
	h := newHarness(t, callState(3))
	h.key("?")
	if !strings.Contains(ansiStrip(h.view()), "this help") {
		t.Fatal("full help not shown")
	}
	h.key("?")
	if strings.Contains(ansiStrip(h.view()), "this help") {
		t.Fatal("full help not closed")
	}
}

func TestKeyQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			h := newHarness(t, callState(1))
			cmd := h.key(k)
			h.wantCalls(t)
			msg := only(t, cmd)
			h.wantCalls(t, "Leave()")
			quit := h.update(msg)
			if _, ok := only(t, quit).(tea.QuitMsg); !ok {
				t.Fatal("no quit after leaving")
			}
			if h.m.Err() != nil {
				t.Fatal(h.m.Err())
			}
		})
	}
}

func TestKeyQuitTwiceQuitsNow(t *testing.T) {
	h := newHarness(t, callState(1))
	h.key("q")
	if _, ok := only(t, h.key("q")).(tea.QuitMsg); !ok {
		t.Fatal("second q did not quit at once")
	}
	h.wantCalls(t)
}

func TestLeaveError(t *testing.T) {
	h := newHarness(t, callState(1))
	h.eng.fail["Leave"] = errBoom
	msg := only(t, h.key("q"))
	h.update(msg)
	if !errors.Is(h.m.Err(), errBoom) {
		t.Fatalf("err %v", h.m.Err())
	}
}

func TestFatal(t *testing.T) {
	h := newHarness(t, callState(1))
	if _, ok := only(t, h.update(Fatal{Err: errBoom})).(tea.QuitMsg); !ok {
		t.Fatal("no quit")
	}
	if !errors.Is(h.m.Err(), errBoom) {
		t.Fatal(h.m.Err())
	}
	h.wantCalls(t)
}

// TestInviteKeyCopies: y copies the join lines through the terminal
// (OSC 52) and says so; without an invite it says there is none.
func TestInviteKeyCopies(t *testing.T) {
	m := New(Options{Engine: newFakeEngine(t), Initial: store.New(), JoinHint: "rtcterm join --server http://h:1 --room r"})
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if cmd == nil {
		t.Fatal("y returned no command")
	}
	if !strings.Contains(next.(Model).notice.text, "copied") {
		t.Errorf("notice %q", next.(Model).notice.text)
	}
	m = New(Options{Engine: newFakeEngine(t), Initial: store.New()})
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"}); cmd != nil {
		t.Error("y without an invite returned a command")
	}
}

// fakeAudio records the volumes the UI sets.
type fakeAudio struct{ set map[string]float64 }

func (a *fakeAudio) SetVolume(id string, v float64) { a.set[id] = v }
func (a *fakeAudio) Volume(id string) float64       { return a.set[id] }

// TestVolumeKeys: + and - step the selected peer's volume by 10 % within
// 0–200 %, 0 mutes it here and restores it; the playback gets each value
// through a command, and the detail pane shows it.
func TestVolumeKeys(t *testing.T) {
	audio := &fakeAudio{set: map[string]float64{}}
	var m tea.Model = New(Options{Engine: newFakeEngine(t), Initial: callState(1), Audio: audio})
	press := func(k rune) {
		var cmd tea.Cmd
		m, cmd = m.Update(tea.KeyPressMsg{Code: k, Text: string(k)})
		if cmd != nil {
			cmd()
		}
	}
	id := m.(Model).selected
	press('+')
	press('+')
	if audio.set[id] != 1.2 {
		t.Fatalf("after ++ the playback has %v, want 1.2", audio.set[id])
	}
	if !strings.Contains(strings.Join(m.(Model).detailLines(120), "\n"), "volume 120 %") {
		t.Error("the detail pane does not show the volume")
	}
	press('0')
	if audio.set[id] != 0 || !strings.Contains(m.(Model).notice.text, "muted here") {
		t.Fatalf("0: volume %v, notice %q", audio.set[id], m.(Model).notice.text)
	}
	press('0')
	if audio.set[id] != 1.2 {
		t.Fatalf("0 again: volume %v, want back to 1.2", audio.set[id])
	}
	for range 20 {
		press('+')
	}
	if audio.set[id] != MaxVolume {
		t.Errorf("capped at %v, want %v", audio.set[id], MaxVolume)
	}
	for range 30 {
		press('-')
	}
	if audio.set[id] != 0 {
		t.Errorf("floor %v, want 0", audio.set[id])
	}
}

// lowEngine is the fake engine with a low-bandwidth mode.
type lowEngine struct {
	*fakeEngine
	set []bool
}

func (e *lowEngine) SetLowBandwidth(on bool) error { e.set = append(e.set, on); return nil }

// TestLowBandwidthKey: b asks the engine to switch the mode (the header
// follows the engine's action), and an engine without it says so.
func TestLowBandwidthKey(t *testing.T) {
	eng := &lowEngine{fakeEngine: newFakeEngine(t)}
	var m tea.Model = New(Options{Engine: eng, Initial: callState(1)})
	var cmd tea.Cmd
	m, cmd = m.Update(tea.KeyPressMsg{Code: 'b', Text: "b"})
	if cmd == nil {
		t.Fatal("b returned no command")
	}
	cmd()
	if len(eng.set) != 1 || !eng.set[0] {
		t.Fatalf("engine asked %v, want [true]", eng.set)
	}
	m, _ = m.Update(store.ToggleLowBandwidth{Enabled: true})
	if !strings.Contains(ansiStrip(m.View().Content), "LOW BANDWIDTH") {
		t.Error("header does not show the mode")
	}
	plain := New(Options{Engine: newFakeEngine(t), Initial: callState(1)})
	next, cmd := plain.Update(tea.KeyPressMsg{Code: 'b', Text: "b"})
	if cmd != nil || !strings.Contains(next.(Model).notice.text, "no low-bandwidth mode") {
		t.Errorf("without the mode: cmd %v, notice %q", cmd != nil, next.(Model).notice.text)
	}
}
