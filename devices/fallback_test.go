package devices

import (
	"context"
	"errors"
	"image"
	"sync/atomic"
	"testing"

	"github.com/pion/mediadevices/pkg/wave"
	"github.com/rtcterm/rtcterm/store"
)

// brokenCamera delivers a few frames, then fails like an unplugged camera.
type brokenCamera struct {
	pattern *patternSource
	left    int
}

func (c *brokenCamera) Next(ctx context.Context) (image.Image, error) {
	if c.left == 0 {
		return nil, errors.New("device unplugged")
	}
	c.left--
	return c.pattern.Next(ctx)
}
func (c *brokenCamera) Describe() store.Track {
	return store.Track{Kind: "video", Label: "USB camera", DeviceID: "video0"}
}
func (c *brokenCamera) Close() error { return c.pattern.Close() }

// brokenMic delivers a few chunks of tone, then fails.
type brokenMic struct {
	tone *toneSource
	left int
}

func (m *brokenMic) Read() (wave.Audio, func(), error) {
	if m.left == 0 {
		return nil, func() {}, errors.New("device unplugged")
	}
	m.left--
	return m.tone.Read()
}
func (m *brokenMic) Describe() store.Track {
	return store.Track{Kind: "audio", Label: "USB mic", DeviceID: "hw:1"}
}
func (m *brokenMic) Close() error { return m.tone.Close() }

func openWith(t *testing.T, devs capturers) *Media {
	t.Helper()
	m, err := open(context.Background(), Config{Name: "ivy", Audio: true, Video: true, Width: 160, Height: 120, FPS: 30}, devs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestDeviceVanishingFallsBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened atomic.Int32
	m := openWith(t, capturers{
		camera: func(c Config) (videoSource, error) {
			return &brokenCamera{pattern: newPatternSource("x", c.Width, c.Height, c.FPS, c.Now), left: 5}, nil
		},
		microphone: func(Config) (audioSource, error) {
			if opened.Add(1) > 1 {
				return nil, errors.New("no such microphone") // it stays unplugged
			}
			return &brokenMic{tone: newToneSource(ctx, "x"), left: 10}, nil
		},
	})
	if d := m.Description(); len(d.Tracks) != 2 || d.Synthetic() {
		t.Fatalf("Description = %+v, want two real tracks", d)
	}
	seen := map[string]store.MediaEvent{}
	for len(seen) < 2 {
		ev := <-m.Events()
		if ev.Kind != store.MediaStreamEnded || !errors.Is(ev.Err, ErrStreamEnded) {
			t.Fatalf("event %+v", ev)
		}
		seen[ev.Track] = ev
	}
	d := m.Description()
	if len(d.Tracks) != 1 || d.Tracks[0].Kind != "video" || !d.Tracks[0].Synthetic {
		t.Fatalf("after fallback Description = %+v, want the test pattern only", d)
	}
	ended := m.Stats()
	waitFor(t, "test pattern frames", func() bool { return m.Stats().VideoFrames > ended.VideoFrames+10 })
	if got := m.Stats().AudioPackets; got != ended.AudioPackets {
		t.Fatalf("audio still flowing after the microphone ended: %d → %d packets", ended.AudioPackets, got)
	}
}

func TestOpenRecoversFromUnavailableDevices(t *testing.T) {
	busy := func(kind string) error { return errors.Join(ErrMediaNotAvailable, errors.New(kind+" busy")) }
	m := openWith(t, capturers{
		camera:     func(Config) (videoSource, error) { return nil, busy("camera") },
		microphone: func(Config) (audioSource, error) { return nil, errNoDevice },
	})
	ev := <-m.Events()
	if ev.Kind != store.MediaNotAvailable || ev.Track != "video" || !errors.Is(ev.Err, ErrMediaNotAvailable) {
		t.Fatalf("event %+v", ev)
	}
	if d := m.Description(); len(d.Tracks) != 2 || !d.Synthetic() {
		t.Fatalf("Description = %+v, want synthetic audio and video", d)
	}
}

func TestReceiveOnlyWhenNothingIsCaptured(t *testing.T) {
	m, err := Open(context.Background(), Config{Name: "jo", Fake: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Description(); len(d.Tracks) != 0 {
		t.Fatalf("Description = %+v, want none", d)
	}
	if m.AudioTrack() == nil || m.VideoTrack() == nil {
		t.Fatal("tracks must exist even receive-only")
	}
	m.SetAudioEnabled(false)
	m.SetVideoEnabled(true)
	m.RequestKeyFrame()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-m.Events(); ok {
		t.Fatal("Events not closed by Close")
	}
}

func TestOpenHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, Config{Fake: true, Audio: true, Video: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open = %v, want context.Canceled", err)
	}
}

// A microphone that fails and whose ID opens again later (it was plugged
// back in) is taken up again: audio flows once more, with an event saying
// so, on the same track.
func TestVanishedMicrophoneIsReopened(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened atomic.Int32
	m := openWith(t, capturers{
		camera: func(Config) (videoSource, error) { return nil, errNoDevice },
		microphone: func(c Config) (audioSource, error) {
			switch opened.Add(1) {
			case 1:
				return &brokenMic{tone: newToneSource(ctx, "x"), left: 10}, nil
			case 2, 3:
				return nil, errors.New("not back yet")
			}
			if c.AudioDeviceID != "hw:1" {
				t.Errorf("reopened %q, want the vanished hw:1", c.AudioDeviceID)
			}
			return &brokenMic{tone: newToneSource(ctx, "x"), left: 1 << 30}, nil
		},
	})
	ev := <-m.Events()
	var gone *DeviceGoneError
	if ev.Kind != store.MediaStreamEnded || !errors.As(ev.Err, &gone) || ev.Err.Error() != "microphone gone: USB mic; receiving only" {
		t.Fatalf("event %+v", ev)
	}
	ev = <-m.Events()
	if tr, ok := ev.Stream.Track("audio"); ev.Kind != store.MediaDeviceRestored || !ok || tr.DeviceID != "hw:1" {
		t.Fatalf("event %+v", ev)
	}
	back := m.Stats().AudioPackets
	waitFor(t, "audio after the microphone is back", func() bool { return m.Stats().AudioPackets > back+10 })
	if n := opened.Load(); n != 4 {
		t.Fatalf("%d opens, want 1 + 2 failed retries + 1", n)
	}
}
