package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtcterm/rtcterm/store"
)

// t0 is the fixed clock of every test.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fakeEngine records calls and fails the test if a method runs while the
// test is inside Update or View: the engine may only be touched from a
// command, as crush proves for its UI. Like rtc.Session it owns the media
// switches: a successful SetAudio, SetVideo or SetScreenShare emits the
// Toggle action, which the harness delivers as Session.Actions would.
type fakeEngine struct {
	t       testing.TB
	mu      sync.Mutex
	guarded bool // true while Update or View runs
	calls   []string
	emitted []store.Action // what the engine reported, not yet delivered
	stats   map[string]store.Stats
	fail    map[string]error // by method name
	devices []store.Device   // what Devices lists
}

func newFakeEngine(t testing.TB) *fakeEngine {
	return &fakeEngine{t: t, stats: map[string]store.Stats{}, fail: map[string]error{}}
}

func (f *fakeEngine) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.guarded {
		f.t.Errorf("engine.%s called from Update or View", call)
	}
	f.calls = append(f.calls, call)
	for name, err := range f.fail {
		if len(call) >= len(name) && call[:len(name)] == name {
			return err
		}
	}
	return nil
}

func (f *fakeEngine) guard(on bool) {
	f.mu.Lock()
	f.guarded = on
	f.mu.Unlock()
}

func (f *fakeEngine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// emitIfOK emits a when err is nil, as rtc does after a switch succeeded.
func (f *fakeEngine) emitIfOK(err error, a store.Action) error {
	if err == nil {
		f.mu.Lock()
		f.emitted = append(f.emitted, a)
		f.mu.Unlock()
	}
	return err
}

// takeEmitted returns and forgets what the engine emitted.
func (f *fakeEngine) takeEmitted() []store.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.emitted
	f.emitted = nil
	return out
}

func (f *fakeEngine) SetAudio(on bool) error {
	return f.emitIfOK(f.record(fmt.Sprintf("SetAudio(%v)", on)), store.ToggleAudio{Enabled: on})
}
func (f *fakeEngine) SetVideo(on bool) error {
	return f.emitIfOK(f.record(fmt.Sprintf("SetVideo(%v)", on)), store.ToggleVideo{Enabled: on})
}
func (f *fakeEngine) SetScreenShare(on bool) error {
	return f.emitIfOK(f.record(fmt.Sprintf("SetScreenShare(%v)", on)), store.ToggleScreenShare{Enabled: on})
}
func (f *fakeEngine) Retry(id string) error { return f.record(fmt.Sprintf("Retry(%q)", id)) }
func (f *fakeEngine) Leave() error          { return f.record("Leave()") }
func (f *fakeEngine) SendChat(text string) error {
	return f.emitIfOK(f.record(fmt.Sprintf("SendChat(%q)", text)), store.ChatSent{Text: text, At: t0})
}
func (f *fakeEngine) Devices() ([]store.Device, error) {
	if err := f.record("Devices()"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.Device(nil), f.devices...), nil
}
func (f *fakeEngine) SwitchDevice(kind, id string) error {
	return f.record(fmt.Sprintf("SwitchDevice(%q, %q)", kind, id))
}
func (f *fakeEngine) CollectStats(ctx context.Context, id string) (store.Stats, error) {
	if err := f.record(fmt.Sprintf("CollectStats(%q)", id)); err != nil {
		return store.Stats{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats[id], nil
}

var errBoom = errors.New("boom")

// harness drives a Model the way Bubble Tea does, but by hand: Update and
// View run under the engine's guard, commands run outside it.
type harness struct {
	t   testing.TB
	eng *fakeEngine
	m   Model
}

func newHarness(t testing.TB, s store.State) *harness {
	eng := newFakeEngine(t)
	m := New(Options{Engine: eng, Initial: s, Now: func() time.Time { return t0 }, StatsInterval: time.Nanosecond, DumpDir: t.TempDir(), JoinHint: "rtcterm join --server ws://127.0.0.1:7000 --room demo\nhttp://127.0.0.1:7000/r/demo"})
	h := &harness{t: t, eng: eng, m: m}
	h.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h
}

// update applies one message and returns the command it produced.
func (h *harness) update(msg tea.Msg) tea.Cmd {
	h.t.Helper()
	h.eng.guard(true)
	next, cmd := h.m.Update(msg)
	h.m = next.(Model)
	_ = h.m.View()
	h.eng.guard(false)
	return cmd
}

// view renders under the guard.
func (h *harness) view() string {
	h.eng.guard(true)
	defer h.eng.guard(false)
	return h.m.View().Content
}

// key presses a key.
func (h *harness) key(k string) tea.Cmd {
	h.t.Helper()
	return h.update(keyPress(k))
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// execute runs a command outside the guard and returns the messages it
// produced, flattening batches. The harness's stats interval is a
// nanosecond, so tick commands return at once; their statsTick messages
// are dropped, and tests send statsTick themselves.
func execute(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, execute(c)...)
		}
		return out
	}
	if _, ok := msg.(statsTick); ok {
		return nil
	}
	return []tea.Msg{msg}
}

// settle runs cmd and feeds every message back, and what the engine
// emitted meanwhile, until nothing is left.
func (h *harness) settle(cmd tea.Cmd) {
	h.t.Helper()
	for _, msg := range execute(cmd) {
		h.pump()
		h.settle(h.update(msg))
	}
}

// pump delivers the actions the engine emitted, in order, as tui.Run does
// with rtc.Session.Actions.
func (h *harness) pump() {
	h.t.Helper()
	for _, a := range h.eng.takeEmitted() {
		h.settle(h.update(a))
	}
}

func ansiStrip(s string) string { return ansi.Strip(s) }
