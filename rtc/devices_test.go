package rtc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/rtcterm/rtcterm/store"
)

// switchingMedia is fakeMedia with microphones to switch between.
type switchingMedia struct {
	*fakeMedia
	mu  sync.Mutex
	mic string
}

func (m *switchingMedia) Devices() ([]store.Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return []store.Device{
		{Kind: "audio", ID: "tone", Label: "440 Hz", Current: m.mic == "tone"},
		{Kind: "audio", ID: "tone2", Label: "660 Hz", Current: m.mic == "tone2"},
	}, nil
}

func (m *switchingMedia) SwitchDevice(kind, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id != "tone" && id != "tone2" {
		return errors.New("no such device")
	}
	m.mic = id
	return nil
}

func (m *switchingMedia) Description() store.LocalStream {
	m.mu.Lock()
	defer m.mu.Unlock()
	return store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: m.mic, DeviceID: m.mic}}}
}

// switchingSink is an audio sink with speakers that reports its output.
type switchingSink struct {
	mu       sync.Mutex
	switched []string
	events   chan store.MediaEvent
}

func (s *switchingSink) Push(string, *rtp.Packet)        {}
func (s *switchingSink) Level(string) float64            { return 0 }
func (s *switchingSink) RemovePeer(string)               {}
func (s *switchingSink) Events() <-chan store.MediaEvent { return s.events }
func (s *switchingSink) Devices() ([]store.Device, error) {
	return []store.Device{{Kind: "speaker", ID: "spk", Label: "Null Output", Current: true}}, nil
}
func (s *switchingSink) SwitchDevice(kind, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.switched = append(s.switched, kind+"/"+id)
	return nil
}

// The session lists the media's and the playback's devices together,
// sends a microphone switch to the media (and reports the new local
// stream), a speaker switch to the playback, and turns the playback's
// reports into SetAudioOutput. The playback's channel never closes (it
// outlives the session): Close must not wait for it.
func TestSessionSwitchesDevices(t *testing.T) {
	url := startServer(t)
	media := &switchingMedia{fakeMedia: newFakeMedia(), mic: "tone"}
	sink := &switchingSink{events: make(chan store.MediaEvent, 4)}
	cfg := testConfig(url, "devices", "A", media.fakeMedia)
	cfg.OpenMedia = func(context.Context) (LocalMedia, error) { return media, nil }
	cfg.Audio = sink
	m := startMember(t, cfg, media.fakeMedia)
	waitFor(t, 10*time.Second, "media ready", func() bool { return m.snapshot().LocalStream != nil })

	list, err := m.s.Devices()
	if err != nil || len(list) != 3 || list[2].Kind != "speaker" {
		t.Fatalf("Devices = %+v, %v", list, err)
	}
	if err := m.s.SwitchDevice("audio", "tone2"); err != nil {
		t.Fatalf("SwitchDevice: %v", err)
	}
	waitFor(t, 10*time.Second, "the new microphone in the state", func() bool {
		tr, ok := m.snapshot().LocalStream.Track("audio")
		return ok && tr.DeviceID == "tone2"
	})
	if err := m.s.SwitchDevice("audio", "nope"); err == nil || !strings.Contains(err.Error(), "no such device") {
		t.Fatalf("SwitchDevice(nope) = %v", err)
	}
	if err := m.s.SwitchDevice("speaker", "spk2"); err != nil {
		t.Fatalf("SwitchDevice(speaker): %v", err)
	}
	sink.mu.Lock()
	got := append([]string(nil), sink.switched...)
	sink.mu.Unlock()
	if len(got) != 1 || got[0] != "speaker/spk2" {
		t.Fatalf("sink switched %q", got)
	}
	if err := m.s.SwitchDevice("printer", "x"); !errors.Is(err, ErrSwitchUnsupported) {
		t.Fatalf("SwitchDevice(printer) = %v", err)
	}

	sink.events <- store.MediaEvent{Kind: store.MediaStreamEnded, Track: "speaker", Err: errors.New("speaker gone: Null Output; not playing until it is back")}
	waitFor(t, 10*time.Second, "speaker gone in the state", func() bool {
		return strings.HasPrefix(m.snapshot().AudioOutput, "speaker gone: ")
	})
	sink.events <- store.MediaEvent{Kind: store.MediaDeviceRestored, Track: "speaker"}
	waitFor(t, 10*time.Second, "speaker back in the state", func() bool { return m.snapshot().AudioOutput == "" })

	// A microphone that went and came back: its error is cleared.
	media.events <- store.MediaEvent{Kind: store.MediaStreamEnded, Track: "audio", Err: errors.New("microphone gone: 440 Hz; receiving only")}
	waitFor(t, 10*time.Second, "microphone gone", func() bool { return strings.HasPrefix(m.snapshot().Error, "microphone gone") })
	media.events <- store.MediaEvent{Kind: store.MediaDeviceRestored, Track: "audio", Stream: media.Description()}
	waitFor(t, 10*time.Second, "microphone back", func() bool { return m.snapshot().Error == "" })
}

// Without media that switches, the session says so instead of failing
// strangely.
func TestSessionWithoutSwitchableMedia(t *testing.T) {
	url := startServer(t)
	media := newFakeMedia()
	m := startMember(t, testConfig(url, "nodevices", "A", media), media)
	waitFor(t, 10*time.Second, "media ready", func() bool { return m.snapshot().LocalStream != nil })
	if err := m.s.SwitchDevice("audio", "tone"); !errors.Is(err, ErrSwitchUnsupported) {
		t.Fatalf("SwitchDevice = %v", err)
	}
	if err := m.s.SwitchDevice("speaker", "spk"); !errors.Is(err, ErrSwitchUnsupported) {
		t.Fatalf("SwitchDevice(speaker) = %v", err)
	}
	if list, err := m.s.Devices(); err != nil || len(list) != 0 {
		t.Fatalf("Devices = %+v, %v", list, err)
	}
	m.stop(t)
	if err := m.s.SwitchDevice("audio", "tone"); !errors.Is(err, ErrClosed) {
		t.Fatalf("SwitchDevice after Close = %v", err)
	}
}
