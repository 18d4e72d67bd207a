package devices

import (
	"context"
	"errors"
	"image"
	"sync/atomic"
	"testing"

	"github.com/rtcterm/rtcterm/store"
)

// steadyCamera is a camera that never fails, and counts its Close calls.
type steadyCamera struct {
	pattern *patternSource
	closed  atomic.Int32
}

func (c *steadyCamera) Next(ctx context.Context) (image.Image, error) { return c.pattern.Next(ctx) }
func (c *steadyCamera) Describe() store.Track {
	return store.Track{Kind: "video", Label: "USB camera", DeviceID: "video0"}
}
func (c *steadyCamera) Close() error { c.closed.Add(1); return c.pattern.Close() }

// Switching the camera mid-call keeps the track and the encoder: the next
// frame comes from the new source and is a key frame, the old camera is
// closed, and the media describes the new one. Switching the microphone to
// the synthetic tone keeps the audio flowing on the same track. Unknown
// kinds are refused.
func TestSwitchCameraAndMicrophoneKeepTracks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cam *steadyCamera
	m := openWith(t, capturers{
		camera: func(c Config) (videoSource, error) {
			cam = &steadyCamera{pattern: newPatternSource("x", c.Width, c.Height, c.FPS, c.Now)}
			return cam, nil
		},
		microphone: func(Config) (audioSource, error) {
			return &brokenMic{tone: newToneSource(ctx, "x"), left: 1 << 30}, nil
		},
	})
	audioT, videoT := m.AudioTrack(), m.VideoTrack()
	waitFor(t, "frames from the camera", func() bool { return m.Stats().VideoFrames >= 5 })
	log := watchFrames(m)
	waitFor(t, "a delta frame", func() bool { return log.len() >= 1 })
	if err := m.SwitchDevice("video", "synthetic"); err != nil {
		t.Fatalf("SwitchDevice(video): %v", err)
	}
	if tr, ok := m.Description().Track("video"); !ok || !tr.Synthetic {
		t.Fatalf("after the switch the camera is %+v", tr)
	}
	waitFor(t, "the old camera closed", func() bool { return cam.closed.Load() > 0 })
	forced := -1
	waitFor(t, "a forced key frame from the new camera", func() bool {
		for i := 0; i < log.len(); i++ {
			if key, f := log.at(i); key && f {
				forced = i
				return true
			}
		}
		return false
	})
	t.Logf("key frame %d frames after the switch began", forced)

	before := m.Stats().AudioPackets
	if err := m.SwitchDevice("audio", "synthetic"); err != nil {
		t.Fatalf("SwitchDevice(audio): %v", err)
	}
	if tr, ok := m.Description().Track("audio"); !ok || !tr.Synthetic {
		t.Fatalf("after the switch the microphone is %+v", tr)
	}
	waitFor(t, "audio from the tone", func() bool { return m.Stats().AudioPackets > before+10 })
	if m.AudioTrack() != audioT || m.VideoTrack() != videoT {
		t.Fatal("a switch replaced a track")
	}
	if s := m.Stats(); s.AudioEncoders != 1 || s.VideoEncoders != 1 {
		t.Fatalf("encoders %+v, want one per kind", s)
	}
	if err := m.SwitchDevice("printer", "x"); !errors.Is(err, ErrSwitchUnsupported) {
		t.Fatalf("SwitchDevice(printer) = %v", err)
	}
	list, err := m.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Synthetic && !d.Current {
			t.Fatalf("the synthetic %s in use is not marked: %+v", d.Kind, list)
		}
	}
	_ = m.Close()
	if err := m.SwitchDevice("audio", "synthetic"); !errors.Is(err, ErrClosed) {
		t.Fatalf("SwitchDevice after Close = %v", err)
	}
}
