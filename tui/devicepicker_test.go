package tui

import (
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/store"
)

// pickerDevices is what the fake engine lists: two microphones (one with a
// hostile name: escape sequences, a clipboard write, a bell, a newline),
// the synthetic camera and two speakers.
var pickerDevices = []store.Device{
	{Kind: "speaker", ID: "spk", Label: "Null Output", Current: true},
	{Kind: "audio", ID: "tone", Label: "Sine source at 440 Hz", Current: true},
	{Kind: "audio", ID: "evil", Label: "\x1b[31mEvil\x07 mic\x1b]52;c;cHduZWQ=\x07\nsecond line\u202e"},
	{Kind: "video", ID: "synthetic", Label: "test pattern (synthetic)", Current: true, Synthetic: true},
	{Kind: "speaker", ID: "spk2", Label: "Second Output"},
}

// openPickerHarness presses D and delivers the engine's list.
func openPickerHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, callState(1))
	h.eng.devices = pickerDevices
	h.settle(h.key("D"))
	h.wantCalls(t, "Devices()")
	if !h.m.picker.open {
		t.Fatal("D did not open the device picker")
	}
	return h
}

// D lists the devices by kind with the ones in use marked; ↓ and enter
// switch to the one under the cursor through the engine, with its kind and
// ID, and the picker closes with a notice naming the device.
func TestDevicePickerSwitchesMicrophone(t *testing.T) {
	h := openPickerHarness(t)
	plain := ansiStrip(h.view())
	for _, want := range []string{"microphones", "cameras", "speakers", "Sine source at 440 Hz (tone) in use", "Second Output (spk2)", "test pattern"} {
		if !strings.Contains(plain, want) {
			t.Fatalf("picker lacks %q:\n%s", want, plain)
		}
	}
	// The cursor starts on the first device in use: the microphone.
	if i := strings.Index(plain, "▸ ● Sine source"); i < 0 {
		t.Fatalf("cursor not on the microphone in use:\n%s", plain)
	}
	h.key("down")
	cmd := h.key("enter")
	if h.m.picker.open {
		t.Fatal("picker still open after enter")
	}
	h.settle(cmd)
	h.wantCalls(t, `SwitchDevice("audio", "evil")`)
	if n := ansiStrip(h.m.noticeLine(200)); !strings.Contains(n, "microphone: Evil mic second line") {
		t.Fatalf("notice %q", n)
	}
}

// The cursor walks across the sections and stops at the ends; the last
// speaker is switched as a "speaker".
func TestDevicePickerNavigatesToSpeaker(t *testing.T) {
	h := openPickerHarness(t)
	for range 10 {
		h.key("down")
	}
	h.key("up")
	h.key("down")
	h.settle(h.key("enter"))
	h.wantCalls(t, `SwitchDevice("speaker", "spk2")`)
	for range 10 {
		h.key("up")
	}
	if h.m.picker.open {
		t.Fatal("arrows reopened the picker")
	}
}

// Hostile device names reach the screen without their escape sequences,
// control or bidi characters.
func TestDevicePickerSanitizesNames(t *testing.T) {
	h := openPickerHarness(t)
	raw := h.view()
	for _, bad := range []string{"\x07", "]52;", "\u202e", "\x1b[31m"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("screen carries %q from a device name", bad)
		}
	}
	if !strings.Contains(ansiStrip(raw), "Evil mic second line (evil)") {
		t.Fatalf("sanitized name missing:\n%s", ansiStrip(raw))
	}
	for _, l := range strings.Split(raw, "\n") {
		if strings.Contains(l, "second line") && !strings.Contains(l, "Evil") {
			t.Fatal("a newline in a device name broke the line")
		}
	}
}

// Esc closes the picker without a switch; keys inside it are the
// picker's (m does not mute); enter on the device in use switches nothing.
func TestDevicePickerEscAndKeysInside(t *testing.T) {
	h := openPickerHarness(t)
	h.settle(h.key("m"))
	h.settle(h.key("enter")) // the microphone in use
	h.wantCalls(t)
	if !strings.Contains(ansiStrip(h.m.noticeLine(200)), "already in use") {
		t.Fatalf("notice %q", ansiStrip(h.m.noticeLine(200)))
	}
	h.settle(h.key("D"))
	h.wantCalls(t, "Devices()")
	h.key("esc")
	if h.m.picker.open {
		t.Fatal("esc did not close the picker")
	}
	h.wantCalls(t)
	if strings.Contains(ansiStrip(h.view()), "microphones") {
		t.Fatal("picker still drawn")
	}
}

// A failed switch is an error notice, the picker closed, nothing else
// broken; a failed listing shows in the picker.
func TestDevicePickerErrors(t *testing.T) {
	h := openPickerHarness(t)
	h.eng.fail["SwitchDevice"] = errBoom
	h.key("down")
	h.settle(h.key("enter"))
	n := ansiStrip(h.m.noticeLine(200))
	if !strings.Contains(n, "switching microphone to Evil mic") || !strings.Contains(n, "boom") {
		t.Fatalf("notice %q", n)
	}
	if h.m.busy&opDevice != 0 {
		t.Fatal("switch still marked busy")
	}

	h.eng.fail["Devices"] = errBoom
	h.settle(h.key("D"))
	if !strings.Contains(ansiStrip(h.view()), "! boom") {
		t.Fatalf("listing error not shown:\n%s", ansiStrip(h.view()))
	}
	h.settle(h.key("enter")) // nothing to choose: no call, no crash
	h.wantCalls(t, `SwitchDevice("audio", "evil")`, "Devices()")
}

// A microphone that went and came back is announced when the engine
// reports the local stream with it again; a different device in use is
// announced by name; a speaker playing again after it had gone too.
func TestDeviceNoticesFromLocalStream(t *testing.T) {
	h := newHarness(t, callState(1))
	video := store.Track{Kind: "video", Label: "test pattern", Synthetic: true}
	mic := store.Track{Kind: "audio", Label: "Sine source at 440 Hz", DeviceID: "tone"}
	h.update(store.InitializeLocalStream{Stream: store.LocalStream{Tracks: []store.Track{video}}})
	if !strings.Contains(ansiStrip(h.view()), "MIC none") {
		t.Fatalf("header does not say the microphone is gone:\n%s", ansiStrip(h.view()))
	}
	h.update(store.InitializeLocalStream{Stream: store.LocalStream{Tracks: []store.Track{mic, video}}})
	if strings.Contains(ansiStrip(h.view()), "MIC none") {
		t.Fatal("header still says MIC none")
	}
	if n := ansiStrip(h.m.noticeLine(200)); !strings.Contains(n, "microphone back: Sine source at 440 Hz") {
		t.Fatalf("notice %q", n)
	}
	mic2 := store.Track{Kind: "audio", Label: "Sine \x1b[2Jsource at 660 Hz", DeviceID: "tone2"}
	h.update(store.InitializeLocalStream{Stream: store.LocalStream{Tracks: []store.Track{mic2, video}}})
	if n := ansiStrip(h.m.noticeLine(200)); !strings.Contains(n, "microphone: Sine source at 660 Hz") {
		t.Fatalf("notice %q", n)
	}
	h.update(store.SetAudioOutput{Reason: "speaker gone: Null Output; not playing until it is back"})
	if n := ansiStrip(h.m.noticeLine(200)); !strings.Contains(n, "speaker gone: Null Output") {
		t.Fatalf("notice %q", n)
	}
	h.update(store.SetAudioOutput{})
	if n := ansiStrip(h.m.noticeLine(200)); !strings.Contains(n, "playing remote audio again") {
		t.Fatalf("notice %q", n)
	}
}
