package devices

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/pion/mediadevices/pkg/driver"
)

func TestScreenShareWithoutDisplayFailsAndChangesNothing(t *testing.T) {
	t.Setenv("DISPLAY", "")
	m := openFake(t, "gina")
	waitFor(t, "camera frames", func() bool { return m.Stats().VideoFrames >= 2 })
	before := m.Description()
	err := m.StartScreenShare()
	const want = "screen capture not available: no X11 display (DISPLAY is unset)"
	if err == nil || err.Error() != want {
		t.Fatalf("StartScreenShare() = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrScreenUnavailable) {
		t.Fatal("error is not ErrScreenUnavailable")
	}
	if m.ScreenSharing() || !reflect.DeepEqual(m.Description(), before) || m.Stats().VideoEncoders != 1 {
		t.Fatalf("state changed: sharing=%v desc=%+v stats=%+v", m.ScreenSharing(), m.Description(), m.Stats())
	}
	n := m.Stats().VideoFrames
	waitFor(t, "camera frames go on", func() bool { return m.Stats().VideoFrames > n+2 })
	if err := m.StopScreenShare(); err != nil {
		t.Fatalf("StopScreenShare when not sharing: %v", err)
	}
}

// requireScreen skips (or, under scripts/test.sh, fails) without an X11
// screen registered at process start.
func requireScreen(t *testing.T) {
	t.Helper()
	if len(usableDrivers(driver.Screen)) > 0 && os.Getenv("DISPLAY") != "" {
		return
	}
	if os.Getenv("RTCTERM_REQUIRE_DISPLAY") != "" {
		t.Fatalf("RTCTERM_REQUIRE_DISPLAY is set but no X11 screen is available (DISPLAY=%q)", os.Getenv("DISPLAY"))
	}
	t.Skip("no X11 display; run under Xvfb (scripts/test.sh)")
}

func TestScreenShareSwitchesFeedWhileFramesFlow(t *testing.T) {
	requireScreen(t)
	m := openFake(t, "hank")
	waitFor(t, "camera frames", func() bool { return m.Stats().VideoFrames >= 2 })
	log := watchFrames(m)
	if err := m.StartScreenShare(); err != nil {
		t.Fatalf("StartScreenShare: %v", err)
	}
	if !m.ScreenSharing() || m.Stats().VideoEncoders != 2 {
		t.Fatalf("sharing=%v encoders=%d", m.ScreenSharing(), m.Stats().VideoEncoders)
	}
	if d := m.Description(); len(d.Tracks) != 3 {
		t.Fatalf("Description while sharing = %+v, want audio, camera and screen", d)
	}
	countScreen := func() (n int, firstKey bool) {
		for _, f := range log.all() {
			if f.screen {
				if n == 0 {
					firstKey = f.key
				}
				n++
			}
		}
		return n, firstKey
	}
	waitFor(t, "screen frames", func() bool { n, _ := countScreen(); return n >= 3 })
	if _, key := countScreen(); !key {
		t.Fatal("first screen frame is not a key frame")
	}
	if err := m.StopScreenShare(); err != nil {
		t.Fatalf("StopScreenShare: %v", err)
	}
	if m.ScreenSharing() {
		t.Fatal("still sharing")
	}
	mark := len(log.all())
	waitFor(t, "camera frames again", func() bool { return len(log.all()) >= mark+3 })
	all := log.all()
	for _, f := range all[mark:] {
		if f.screen {
			t.Fatal("screen frame written after StopScreenShare returned")
		}
	}
	last := -1
	for i, f := range all {
		if f.screen {
			last = i
		}
	}
	if !all[last+1].key {
		t.Fatal("first camera frame after the share is not a key frame")
	}
}

// Closing while sharing must not hang (the screen driver blocks forever if
// read after Close) and must leave no goroutine.
func TestCloseWhileSharing(t *testing.T) {
	requireScreen(t)
	m, err := Open(context.Background(), Config{Name: "kim", Fake: true, Video: true, Width: 160, Height: 120})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.StartScreenShare(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "screen frames", func() bool { return m.Stats().VideoFrames >= 3 })
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.StartScreenShare(); !errors.Is(err, ErrClosed) {
		t.Fatalf("StartScreenShare after Close = %v, want ErrClosed", err)
	}
}
