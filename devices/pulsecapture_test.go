package devices

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"gopkg.in/hraban/opus.v2"
)

// callSeconds is how long a capture test runs: PulseAudio's sine source
// posts its first 2 s block after 2 s, so the far side hears it from then.
const callSeconds = 6

// callThroughPulse opens media with cfg (real microphone), sends it over a
// loopback peer connection and, on the far side, plays it with a player
// made with pcfg. It returns the far side's received packets, decoded.
func callThroughPulse(t *testing.T, cfg Config, pcfg PlayerConfig) (*Media, []int16) {
	t.Helper()
	m, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	p := NewPlayer(pcfg)
	t.Cleanup(func() { _ = p.Close() })
	var mu sync.Mutex
	var pkts []*rtp.Packet
	linkPeer(t, loopbackAPI(t), m, func(tr *webrtc.TrackRemote) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				p.Push("sender", pkt)
				mu.Lock()
				pkts = append(pkts, pkt)
				mu.Unlock()
			}
		}
	})
	time.Sleep(callSeconds * time.Second)
	mu.Lock()
	got := append([]*rtp.Packet(nil), pkts...)
	mu.Unlock()
	dec, err := opus.NewDecoder(sampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pcm []int16
	buf := make([]int16, maxFrame)
	for _, pkt := range got {
		n, err := dec.Decode(pkt.Payload, buf)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		pcm = append(pcm, buf[:n]...)
	}
	t.Logf("far side got %d audio packets in %d s", len(got), callSeconds)
	return m, pcm
}

// The microphone is PulseAudio's 440 Hz sine source, captured through
// rtcterm's own capture code: the far side receives a steady 440 Hz tone
// (decoded packets), and its player puts that tone on its speaker (the null
// sink's monitor). This is the path the issue measured as 70 of 79 silent
// windows.
func TestMicrophoneToSpeakerThroughPulseAudio(t *testing.T) {
	ps := startPulse(t)
	rec := ps.record("spk.monitor")
	m, pcm := callThroughPulse(t, Config{Name: "mic", Audio: true, Video: true, Width: 160, Height: 120, FPS: 10}, PlayerConfig{})
	d := m.Description()
	var label, id string
	for _, tr := range d.Tracks {
		if tr.Kind == "audio" {
			label, id = tr.Label, tr.DeviceID
			if tr.Synthetic {
				t.Fatalf("audio track is synthetic with a PulseAudio microphone: %+v", tr)
			}
		}
	}
	if id != "tone" || !strings.Contains(label, "440") {
		t.Fatalf("captured %q (%q), want PulseAudio's sine source \"tone\"", id, label)
	}
	sent := trimSilence(pcm)
	r := analyzeWindows(sent, 0, pulseTone, 10)
	t.Logf("received: %v", r)
	checkSteadyTone(t, r, pulseTone, steadyReceived)

	time.Sleep(200 * time.Millisecond)
	heard := trimSilence(rec.stop())
	r = analyzeWindows(heard, 0, pulseTone, 10)
	t.Logf("far speaker: %v", r)
	checkSteadyTone(t, r, pulseTone, steadyPlayed)
}

// Devices are chosen by the IDs Enumerate prints: the second microphone
// (a 660 Hz sine source) is what the far side hears, the second speaker
// is where the player plays (the first stays silent), and an unknown ID is
// an ErrNoSuchDevice that lists what exists.
func TestDeviceChoiceByEnumeratedID(t *testing.T) {
	ps := startPulse(t, "module-null-sink sink_name=spk2", "module-sine-source source_name=tone2 frequency=660")
	list, err := Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	var speakers, mics []DeviceInfo
	for _, d := range list {
		t.Logf("%-7s %-14s %s default=%v", d.Kind, d.ID, d.Label, d.Default)
		switch d.Kind {
		case "speaker":
			speakers = append(speakers, d)
		case "audio":
			mics = append(mics, d)
		}
	}
	if len(speakers) != 2 || speakers[0].ID != "spk" || !speakers[0].Default || speakers[1].ID != "spk2" {
		t.Fatalf("speakers %+v, want spk (default) and spk2", speakers)
	}
	var mic2 string
	for _, d := range mics {
		if d.ID == "tone2" {
			mic2 = d.ID
		}
	}
	if mic2 == "" || mics[0].ID != "tone" || !mics[0].Default {
		t.Fatalf("microphones %+v, want tone (default) and tone2", mics)
	}

	// Unknown IDs: a clear error listing the devices there are.
	err = CheckDevice("speaker", "nope")
	var nsd *NoSuchDeviceError
	if !errors.Is(err, ErrNoSuchDevice) || !errors.As(err, &nsd) || len(nsd.Available) != 2 || !strings.Contains(err.Error(), "spk2") {
		t.Fatalf("CheckDevice(speaker, nope) = %v", err)
	}
	if err := CheckDevice("audio", "tone2"); err != nil {
		t.Fatalf("CheckDevice(audio, tone2) = %v", err)
	}
	if p := NewPlayer(PlayerConfig{OutputDeviceID: "nope"}); !strings.Contains(p.Reason(), "no such device") || !strings.Contains(p.Reason(), "spk2") {
		p.Close()
		t.Fatalf("player with an unknown speaker: Reason %q", p.Reason())
	} else {
		p.Close()
	}
	if _, err := openMicrophone(Config{AudioDeviceID: "nope"}); !errors.Is(err, ErrNoSuchDevice) || !errors.Is(err, ErrMediaNotAvailable) {
		t.Fatalf("openMicrophone(nope) = %v", err)
	}

	// The chosen microphone and speaker carry the call.
	first := ps.record("spk.monitor")
	second := ps.record("spk2.monitor")
	_, pcm := callThroughPulse(t, Config{Name: "mic", Audio: true, Video: true, Width: 160, Height: 120, FPS: 10, AudioDeviceID: mic2},
		PlayerConfig{OutputDeviceID: speakers[1].ID})
	r := analyzeWindows(trimSilence(pcm), 0, 660, 10)
	t.Logf("received from %s: %v", mic2, r)
	checkSteadyTone(t, r, 660, steadyReceived)
	time.Sleep(200 * time.Millisecond)
	r = analyzeWindows(trimSilence(second.stop()), 0, 660, 10)
	t.Logf("spk2: %v", r)
	checkSteadyTone(t, r, 660, steadyPlayed)
	if loud := trimSilence(first.stop()); len(loud) > 0 {
		t.Fatalf("the unselected speaker played %.2f s of sound", float64(len(loud))/sampleRate)
	}
}
