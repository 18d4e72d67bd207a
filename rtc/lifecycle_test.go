package rtc

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// TestCloseWithoutAReader: Close returns within its bound, and Run returns
// and closes Actions, although nobody ever reads Actions and more actions
// are queued than its buffer holds. goleak (TestMain) checks that the
// forwarder and every other goroutine have stopped.
func TestCloseWithoutAReader(t *testing.T) {
	url := startServer(t)
	media := newFakeMedia()
	defer media.Close()
	cfg := testConfig(url, "noreader", "A", media)
	opened := make(chan struct{})
	cfg.OpenMedia = func(context.Context) (LocalMedia, error) { close(opened); return media, nil }
	s := New(cfg)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	<-opened // Run is running: Close has something to wait for
	// Joined, so Close does not cut the signaling dial short (a dial
	// cancelled mid-handshake leaves an HTTP connection behind, which is
	// the signaling client's matter, not this test's).
	waitFor(t, 10*time.Second, "joined", func() bool { return s.selfPeerID() != "" })
	for i := range 3 * cap(s.out) {
		if err := s.SetAudio(i%2 == 0); err != nil {
			t.Fatalf("SetAudio: %v", err)
		}
	}

	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close with nobody reading Actions: %v (after %v)", err, time.Since(start))
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("Close took %v", time.Since(start))
	got := 0
	for range s.Actions() { // closed by now: this ends
		got++
	}
	if got > cap(s.out) {
		t.Fatalf("%d actions left in a channel of %d", got, cap(s.out))
	}
	if err := s.SetAudio(true); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetAudio after Close = %v, want ErrClosed", err)
	}
	if err := s.SetScreenShare(true); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetScreenShare after Close = %v, want ErrClosed", err)
	}
}

// TestCloseKeepsAPresentReader: a reader that is still reading when the
// session closes gets every action, the last one included.
func TestCloseKeepsAPresentReader(t *testing.T) {
	url := startServer(t)
	media := newFakeMedia()
	m := startMember(t, testConfig(url, "reader", "A", media), media)
	waitFor(t, 10*time.Second, "media ready", func() bool { return m.snapshot().LocalStream != nil })
	m.stop(t)
	if s := m.snapshot().Signaling.Status; s != store.SignalingClosed {
		t.Fatalf("last signaling status %v, want closed", s)
	}
}

// TestSwitchesAreRecordedByRTC: the media switches are rtc's, so SetAudio,
// SetVideo and SetScreenShare emit ToggleAudio, ToggleVideo and
// ToggleScreenShare in the order they were made, and apply them to the
// media; nobody else has to write them into the store.
func TestSwitchesAreRecordedByRTC(t *testing.T) {
	url := startServer(t)
	media := newFakeMedia()
	defer media.Close()
	s := New(testConfig(url, "switches", "A", media))
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	var toggles []store.Action
	ready := false
	for a := range s.Actions() {
		switch a.(type) {
		case store.InitializeMediaFulfilled:
			ready = true
			for _, err := range []error{s.SetAudio(false), s.SetVideo(false), s.SetAudio(true), s.SetScreenShare(true), s.SetScreenShare(false)} {
				if err != nil {
					t.Errorf("switch: %v", err)
				}
			}
			if media.audioOn.Load() != true || media.videoOn.Load() != false || media.screen.Load() != false {
				t.Errorf("media: audio %v video %v screen %v, want true false false", media.audioOn.Load(), media.videoOn.Load(), media.screen.Load())
			}
			go func() { _ = s.Close() }()
		case store.ToggleAudio, store.ToggleVideo, store.ToggleScreenShare:
			toggles = append(toggles, a)
		}
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !ready {
		t.Fatal("media never opened")
	}
	want := []store.Action{store.ToggleAudio{Enabled: false}, store.ToggleVideo{Enabled: false}, store.ToggleAudio{Enabled: true}, store.ToggleScreenShare{Enabled: true}, store.ToggleScreenShare{Enabled: false}}
	if !slices.Equal(toggles, want) {
		t.Fatalf("toggles %v, want %v", toggles, want)
	}
}

// TestSwitchesBeforeAndWithoutMedia: before the media is open a switch is
// recorded and reaches the media when it opens; screen share needs the
// media. Without media at all (receive only) the switches report
// ErrNoMedia.
func TestSwitchesBeforeAndWithoutMedia(t *testing.T) {
	url := startServer(t)
	release := make(chan struct{})
	slow := newFakeMedia()
	cfg := testConfig(url, "early", "A", slow)
	cfg.OpenMedia = func(ctx context.Context) (LocalMedia, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return slow, nil
	}
	a := startMember(t, cfg, slow)
	if err := a.s.SetVideo(false); err != nil {
		t.Fatalf("SetVideo before the media opened: %v", err)
	}
	if err := a.s.SetScreenShare(true); !errors.Is(err, ErrNoMedia) {
		t.Fatalf("SetScreenShare before the media opened = %v, want ErrNoMedia", err)
	}
	waitFor(t, 10*time.Second, "the early switch in the state", func() bool { return !a.snapshot().VideoEnabled })
	close(release)
	waitFor(t, 10*time.Second, "media ready", func() bool { return a.snapshot().LocalStream != nil })
	if slow.videoOn.Load() {
		t.Fatal("the camera is on although it was switched off before the media opened")
	}

	cfgB := testConfig(url, "early", "B", nil)
	cfgB.OpenMedia = func(context.Context) (LocalMedia, error) { return nil, errors.New("no devices at all") }
	b := startMember(t, cfgB, newFakeMedia())
	waitFor(t, 10*time.Second, "media rejected", func() bool { return b.snapshot().Error != "" })
	if err := b.s.SetAudio(false); !errors.Is(err, ErrNoMedia) {
		t.Fatalf("SetAudio without media = %v, want ErrNoMedia", err)
	}
}
