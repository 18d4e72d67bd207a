package lkengine

import (
	"errors"
	"testing"

	"github.com/pion/rtp"
	"github.com/rtcterm/rtcterm/store"
)

// speakerSink is an audio sink with speakers to switch between.
type speakerSink struct{ switched []string }

func (s *speakerSink) Push(string, *rtp.Packet) {}
func (s *speakerSink) Level(string) float64     { return 0 }
func (s *speakerSink) RemovePeer(string)        {}
func (s *speakerSink) Devices() ([]store.Device, error) {
	return []store.Device{{Kind: "speaker", ID: "spk", Current: true}, {Kind: "speaker", ID: "spk2"}}, nil
}
func (s *speakerSink) SwitchDevice(kind, id string) error {
	s.switched = append(s.switched, kind+"/"+id)
	return nil
}

// The LiveKit engine delegates the device picker as the mesh does: the
// speakers to its audio sink, microphones and cameras to its media, and
// says so when there is nothing to switch.
func TestEngineDelegatesDeviceSwitches(t *testing.T) {
	sink := &speakerSink{}
	e := New(Config{URL: "ws://127.0.0.1:1", Room: "r", Identity: "a", Audio: sink})
	list, err := e.Devices()
	if err != nil || len(list) != 2 {
		t.Fatalf("Devices = %+v, %v", list, err)
	}
	if err := e.SwitchDevice("speaker", "spk2"); err != nil || len(sink.switched) != 1 || sink.switched[0] != "speaker/spk2" {
		t.Fatalf("SwitchDevice(speaker) = %v, sink saw %q", err, sink.switched)
	}
	if err := e.SwitchDevice("audio", "tone2"); !errors.Is(err, ErrSwitchUnsupported) {
		t.Fatalf("SwitchDevice(audio) without media = %v", err)
	}
	_ = e.Close()
	if err := e.SwitchDevice("speaker", "spk"); !errors.Is(err, ErrClosed) {
		t.Fatalf("SwitchDevice after Close = %v", err)
	}
}

// What the media and the playback report by themselves becomes the same
// actions as in the mesh: a speaker gone or back is SetAudioOutput, a
// microphone gone is the new local stream and its error, which is cleared
// when the microphone is back.
func TestEngineReportsDeviceEvents(t *testing.T) {
	e := New(Config{URL: "ws://127.0.0.1:1", Room: "r", Identity: "a"})
	defer e.Close()
	s := store.New()
	feed := func(ev store.MediaEvent, standing string) string {
		standing = e.report(ev, standing)
		items, _ := e.queue.Take()
		for _, a := range items {
			s = store.Reduce(s, a)
		}
		return standing
	}
	standing := feed(store.MediaEvent{Kind: store.MediaStreamEnded, Track: "speaker", Err: errors.New("speaker gone: X; not playing until it is back")}, "")
	if s.AudioOutput == "" {
		t.Fatal("speaker gone not recorded")
	}
	standing = feed(store.MediaEvent{Kind: store.MediaDeviceRestored, Track: "speaker"}, standing)
	if s.AudioOutput != "" {
		t.Fatalf("AudioOutput %q with the speaker back", s.AudioOutput)
	}
	video := store.Track{Kind: "video", Label: "pattern", Synthetic: true}
	standing = feed(store.MediaEvent{Kind: store.MediaStreamEnded, Track: "audio", Err: errors.New("microphone gone: Y; receiving only"), Stream: store.LocalStream{Tracks: []store.Track{video}}}, standing)
	if _, ok := s.LocalStream.Track("audio"); ok || s.Error != "microphone gone: Y; receiving only" {
		t.Fatalf("state %+v %q", s.LocalStream, s.Error)
	}
	feed(store.MediaEvent{Kind: store.MediaDeviceRestored, Track: "audio", Stream: store.LocalStream{Tracks: []store.Track{{Kind: "audio", Label: "Y"}, video}}}, standing)
	if _, ok := s.LocalStream.Track("audio"); !ok || s.Error != "" {
		t.Fatalf("state %+v %q", s.LocalStream, s.Error)
	}
}
