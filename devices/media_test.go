package devices

import (
	"sync"
	"testing"
)

func TestOpenFakeIsSynthetic(t *testing.T) {
	m := openFake(t, "alice")
	d := m.Description()
	if len(d.Tracks) != 2 || !d.Synthetic() {
		t.Fatalf("Description = %+v, want two synthetic tracks", d)
	}
	kinds := map[string]bool{}
	for _, tr := range d.Tracks {
		kinds[tr.Kind] = true
	}
	if !kinds["audio"] || !kinds["video"] {
		t.Fatalf("kinds = %v", kinds)
	}
	if m.AudioTrack() == nil || m.VideoTrack() == nil {
		t.Fatal("nil track")
	}
	if c := m.AudioTrack().Codec(); c.MimeType != "audio/opus" || c.ClockRate != 48000 || c.Channels != 2 {
		t.Fatalf("audio codec = %+v", c)
	}
	if c := m.VideoTrack().Codec(); c.MimeType != "video/VP8" {
		t.Fatalf("video codec = %+v", c)
	}
}

func TestMuteStopsAudioWrites(t *testing.T) {
	m := openFake(t, "bob")
	waitFor(t, "audio packets", func() bool { return m.Stats().AudioPackets >= 3 })
	m.SetAudioEnabled(false)
	muted := m.Stats()
	waitFor(t, "ten muted audio frames", func() bool { return m.Stats().AudioTicks >= muted.AudioTicks+10 })
	if got := m.Stats().AudioPackets; got != muted.AudioPackets {
		t.Fatalf("muted: %d packets written, want %d", got, muted.AudioPackets)
	}
	m.SetAudioEnabled(true)
	waitFor(t, "audio after unmute", func() bool { return m.Stats().AudioPackets > muted.AudioPackets+3 })
}

// frameLog records what the video pipeline writes.
type frameLog struct {
	mu     sync.Mutex
	frames []writtenFrame
}

func (l *frameLog) add(f writtenFrame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.frames = append(l.frames, f)
}

func (l *frameLog) all() []writtenFrame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]writtenFrame(nil), l.frames...)
}

func (l *frameLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.frames)
}

func (l *frameLog) at(i int) (key, forced bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.frames[i].key, l.frames[i].forced
}

func watchFrames(m *Media) *frameLog {
	l := &frameLog{}
	m.mu.Lock()
	m.video.onFrame = l.add
	m.mu.Unlock()
	return l
}

func TestVideoOffStopsFramesAndOnStartsWithKeyFrame(t *testing.T) {
	m := openFake(t, "carol")
	waitFor(t, "video frames", func() bool { return m.Stats().VideoFrames >= 3 })
	m.SetVideoEnabled(false)
	off := m.Stats()
	waitFor(t, "ten frames while off", func() bool { return m.Stats().VideoTicks >= off.VideoTicks+10 })
	if got := m.Stats().VideoFrames; got != off.VideoFrames {
		t.Fatalf("video off: %d frames written, want %d", got, off.VideoFrames)
	}
	log := watchFrames(m)
	m.SetVideoEnabled(true)
	waitFor(t, "frames after video on", func() bool { return log.len() >= 2 })
	if key, _ := log.at(0); !key {
		t.Fatal("first frame after video on is not a key frame")
	}
}

func TestRequestKeyFrame(t *testing.T) {
	m := openFake(t, "dave")
	waitFor(t, "video frames", func() bool { return m.Stats().VideoFrames >= 5 })
	log := watchFrames(m)
	waitFor(t, "a delta frame", func() bool { return log.len() >= 1 })
	m.RequestKeyFrame()
	forcedAt := -1
	waitFor(t, "a forced frame", func() bool {
		for i := 0; i < log.len(); i++ {
			if _, forced := log.at(i); forced {
				forcedAt = i
				return true
			}
		}
		return false
	})
	if key, _ := log.at(forcedAt); !key {
		t.Fatal("forced frame is not a key frame")
	}
}
