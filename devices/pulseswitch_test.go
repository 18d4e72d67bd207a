package devices

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
	"gopkg.in/hraban/opus.v2"
)

// switchDeadline bounds every wait of these tests: PulseAudio's sine
// source posts its first 2 s block 2 s after a stream opens, and the suite
// is loaded; the figures are not what is measured.
const switchDeadline = 20 * time.Second

// loadModule loads a PulseAudio module (e.g. a sine source) into the
// private server.
func (ps *pulseServer) loadModule(args ...string) {
	ps.t.Helper()
	ps.pactl(append([]string{"load-module"}, args...)...)
}

// unloadModule unloads the module whose arguments include arg (e.g.
// "source_name=tone"), as a device vanishing does.
func (ps *pulseServer) unloadModule(arg string) {
	ps.t.Helper()
	for _, line := range strings.Split(ps.pactl("list", "short", "modules"), "\n") {
		fields := strings.Fields(line)
		for _, f := range fields[min(len(fields), 2):] {
			if f == arg {
				ps.pactl("unload-module", fields[0])
				return
			}
		}
	}
	ps.t.Fatalf("no module with %s", arg)
}

// farEnd is the far peer of a loopback call: every audio packet it
// receives, with its arrival time.
type farEnd struct {
	mu   sync.Mutex
	pkts []arrival
}

type arrival struct {
	at      time.Time
	payload []byte
}

// callFarEnd sends m's tracks over a loopback peer connection to a far
// end that keeps what it receives.
func callFarEnd(t *testing.T, m *Media) *farEnd {
	t.Helper()
	f := &farEnd{}
	linkPeer(t, loopbackAPI(t), m, func(tr *webrtc.TrackRemote) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				f.mu.Lock()
				f.pkts = append(f.pkts, arrival{at: time.Now(), payload: append([]byte(nil), pkt.Payload...)})
				f.mu.Unlock()
			}
		}
	})
	return f
}

// heard decodes what arrived since from, in order.
func (f *farEnd) heard(t *testing.T, from time.Time) []int16 {
	t.Helper()
	f.mu.Lock()
	var got []arrival
	for _, a := range f.pkts {
		if !a.at.Before(from) {
			got = append(got, a)
		}
	}
	f.mu.Unlock()
	dec, err := opus.NewDecoder(sampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, maxFrame)
	var pcm []int16
	for _, a := range got {
		n, err := dec.Decode(a.payload, buf)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		pcm = append(pcm, buf[:n]...)
	}
	return pcm
}

// packets counts what arrived so far.
func (f *farEnd) packets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pkts)
}

// lastSecondOn reports whether the last second of pcm is a steady tone of
// freq: at least 8 of its 10 windows on it.
func lastSecondOn(pcm []int16, freq float64) (bool, windowReport) {
	const second = sampleRate
	if len(pcm) < second {
		return false, windowReport{}
	}
	r := analyzeWindows(pcm[len(pcm)-second:], 0, freq, 10)
	return r.onTone >= 8, r
}

// waitTone waits until the far end hears a steady freq in what arrived
// since from.
func (f *farEnd) waitTone(t *testing.T, from time.Time, freq float64) {
	t.Helper()
	deadline := time.Now().Add(switchDeadline)
	var last windowReport
	for time.Now().Before(deadline) {
		var ok bool
		if ok, last = lastSecondOn(f.heard(t, from), freq); ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the far end never heard a steady %.0f Hz: %v", freq, last)
}

// waitEvent waits for a media event of kind on events.
func waitEvent(t *testing.T, events <-chan store.MediaEvent, kind store.MediaEventKind) store.MediaEvent {
	t.Helper()
	timeout := time.After(switchDeadline)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("events closed while waiting for %v", kind)
			}
			t.Logf("event %v %s: %v", ev.Kind, ev.Track, ev.Err)
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", kind)
		}
	}
}

// openPulseMedia opens media with the real (PulseAudio) microphone.
func openPulseMedia(t *testing.T, cfg Config) *Media {
	t.Helper()
	m, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		done := make(chan error, 1)
		go func() { done <- m.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Media.Close hangs")
		}
	})
	return m
}

// audioTrack is the media's audio track description, if it has one.
func audioTrack(m *Media) (store.Track, bool) { return m.Description().Track("audio") }

// Switching the microphone in the middle of a call changes what the far
// peer hears, from the 440 Hz source to the 660 Hz one, over the same
// track and connection.
func TestSwitchMicrophoneMidCall(t *testing.T) {
	startPulse(t, "module-sine-source source_name=tone2 frequency=660")
	m := openPulseMedia(t, Config{Name: "mic", Audio: true, Video: true, Width: 160, Height: 120, FPS: 10})
	track := m.AudioTrack()
	far := callFarEnd(t, m)
	start := time.Now()
	far.waitTone(t, start, pulseTone)

	if err := m.SwitchDevice("audio", "tone2"); err != nil {
		t.Fatalf("SwitchDevice: %v", err)
	}
	switched := time.Now()
	if tr, ok := audioTrack(m); !ok || tr.DeviceID != "tone2" || !strings.Contains(tr.Label, "660") {
		t.Fatalf("after the switch the media describes %+v", tr)
	}
	far.waitTone(t, switched, 660)
	t.Logf("660 Hz steady at the far end %.1f s after the switch", time.Since(switched).Seconds())
	if m.AudioTrack() != track {
		t.Fatal("the switch replaced the audio track")
	}
	if s := m.Stats(); s.AudioEncoders != 1 {
		t.Fatalf("%d audio encoders, want the one of the call", s.AudioEncoders)
	}
	// Unknown IDs are refused and change nothing.
	if err := m.SwitchDevice("audio", "nope"); !errors.Is(err, ErrNoSuchDevice) {
		t.Fatalf("SwitchDevice(nope) = %v", err)
	}
	list, err := m.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Kind == "audio" && d.Current != (d.ID == "tone2") {
			t.Fatalf("devices mark %+v wrongly", d)
		}
	}
}

// The microphone's source vanishing in the middle of a call (its module
// unloaded) is reported as "microphone gone: …; receiving only"; the call
// goes on receive-only (the track stays, nothing is sent), and when a
// source of the same name is back, its tone is heard again by itself.
func TestMicrophoneVanishesAndComesBack(t *testing.T) {
	ps := startPulse(t)
	m := openPulseMedia(t, Config{Name: "mic", Audio: true, Video: true, Width: 160, Height: 120, FPS: 10})
	far := callFarEnd(t, m)
	far.waitTone(t, time.Now(), pulseTone)

	ps.unloadModule("source_name=tone")
	unloaded := time.Now()
	ev := waitEvent(t, m.Events(), store.MediaStreamEnded)
	t.Logf("microphone gone noticed %.2f s after the source was unloaded", time.Since(unloaded).Seconds())
	var gone *DeviceGoneError
	if !errors.As(ev.Err, &gone) || !errors.Is(ev.Err, ErrStreamEnded) || ev.Track != "audio" ||
		!strings.HasPrefix(ev.Err.Error(), "microphone gone: ") || !strings.HasSuffix(ev.Err.Error(), "; receiving only") {
		t.Fatalf("event %+v", ev)
	}
	if _, ok := ev.Stream.Track("audio"); ok {
		t.Fatalf("the stream still lists the microphone: %+v", ev.Stream)
	}
	// Receive-only: the encoder runs on (a second of it), nothing is sent.
	st := m.Stats()
	waitFor(t, "the encoder running without a microphone", func() bool { return m.Stats().AudioTicks > st.AudioTicks+50 })
	if got := m.Stats().AudioPackets; got != st.AudioPackets {
		t.Fatalf("audio sent without a microphone: %d → %d packets", st.AudioPackets, got)
	}

	ps.loadModule("module-sine-source", "source_name=tone", "frequency=440")
	ev = waitEvent(t, m.Events(), store.MediaDeviceRestored)
	if tr, ok := ev.Stream.Track("audio"); !ok || tr.DeviceID != "tone" {
		t.Fatalf("restored stream %+v", ev.Stream)
	}
	back := time.Now()
	far.waitTone(t, back, pulseTone)
	t.Logf("tone back at the far end %.1f s after the source returned", time.Since(back).Seconds())
}

// playStream pushes a steady tone to p as "peer", 20 ms a packet, until
// stop is closed.
func playStream(t *testing.T, p *Player, freq float64, stop <-chan struct{}) <-chan struct{} {
	pkts := sinePackets(t, freq, 0.5, 50*60, 9)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				pkt := *pkts[i%len(pkts)]
				pkt.SequenceNumber = uint16(i)
				pkt.Timestamp = uint32(i * mixChunk)
				p.Push("peer", &pkt)
			}
		}
	}()
	return done
}

// liveRecorder records a source with parec, readable while it runs.
type liveRecorder struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

// Write takes parec's output.
func (r *liveRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(b)
}

// pcm is what was recorded so far.
func (r *liveRecorder) pcm() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buf.Bytes()
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// recordLive starts recording source; the recording ends with the test or
// with stop.
func (ps *pulseServer) recordLive(source string) *liveRecorder {
	ps.t.Helper()
	r := &liveRecorder{done: make(chan struct{})}
	r.cmd = exec.Command("parec", "-d", source, "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20")
	r.cmd.Stdout = r
	if err := r.cmd.Start(); err != nil {
		ps.t.Fatalf("parec: %v", err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	ps.t.Cleanup(func() { r.stop() })
	return r
}

// stop ends the recording and returns it.
func (r *liveRecorder) stop() []int16 {
	select {
	case <-r.done:
	default:
		_ = r.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	}
	return r.pcm()
}

// waitHeard records source until it carries a steady freq for a second.
func waitHeard(t *testing.T, ps *pulseServer, source string, freq float64) {
	t.Helper()
	rec := ps.recordLive(source)
	deadline := time.Now().Add(switchDeadline)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		if ok, _ := lastSecondOn(rec.pcm(), freq); ok {
			rec.stop()
			return
		}
	}
	r := analyzeWindows(trimSilence(rec.stop()), 0, freq, 10)
	t.Fatalf("%s never carried a steady %.0f Hz: %v", source, freq, r)
}

// Switching the speaker moves the far audio from sink A (spk) to sink B
// (spk2): B plays the tone, and A, recorded afresh, is silent.
func TestSwitchSpeakerMidCall(t *testing.T) {
	ps := startPulse(t, "module-null-sink sink_name=spk2")
	p := NewPlayer(PlayerConfig{})
	t.Cleanup(func() { _ = p.Close() })
	stop := make(chan struct{})
	done := playStream(t, p, pulseTone, stop)
	t.Cleanup(func() { close(stop); <-done })
	waitHeard(t, ps, "spk.monitor", pulseTone)

	if err := p.SwitchOutput("spk2"); err != nil {
		t.Fatalf("SwitchOutput: %v", err)
	}
	waitHeard(t, ps, "spk2.monitor", pulseTone)
	a := ps.recordLive("spk.monitor")
	waitHeard(t, ps, "spk2.monitor", pulseTone) // another second and more on B
	if loud := trimSilence(a.stop()); len(loud) > 0 {
		t.Fatalf("the speaker switched away from played %.2f s", float64(len(loud))/sampleRate)
	}
	if r := p.Reason(); r != "" {
		t.Fatalf("Reason %q after the switch", r)
	}
	list, err := p.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Current != (d.ID == "spk2") {
			t.Fatalf("devices mark %+v wrongly", d)
		}
	}
	if err := p.SwitchOutput("nope"); !errors.Is(err, ErrNoSuchDevice) {
		t.Fatalf("SwitchOutput(nope) = %v", err)
	}
	if r := p.Reason(); r != "" {
		t.Fatalf("a refused switch stopped playback: %q", r)
	}
}

// The speaker vanishing (its null sink unloaded) is reported, levels keep
// moving without it, and when a sink of the same name is back the player
// plays on it again by itself.
func TestSpeakerVanishesAndComesBack(t *testing.T) {
	ps := startPulse(t)
	p := NewPlayer(PlayerConfig{})
	t.Cleanup(func() { _ = p.Close() })
	stop := make(chan struct{})
	done := playStream(t, p, pulseTone, stop)
	t.Cleanup(func() { close(stop); <-done })
	waitHeard(t, ps, "spk.monitor", pulseTone)

	ps.unloadModule("sink_name=spk")
	unloaded := time.Now()
	ev := waitEvent(t, p.Events(), store.MediaStreamEnded)
	t.Logf("speaker gone noticed %.2f s after the sink was unloaded", time.Since(unloaded).Seconds())
	if ev.Track != "speaker" || !strings.HasPrefix(ev.Err.Error(), "speaker gone: ") || !strings.HasPrefix(p.Reason(), "speaker gone: ") {
		t.Fatalf("event %+v, reason %q", ev, p.Reason())
	}
	waitFor(t, "levels without a speaker", func() bool { return p.Level("peer") > 0.2 })

	ps.loadModule("module-null-sink", "sink_name=spk")
	reloaded := time.Now()
	waitEvent(t, p.Events(), store.MediaDeviceRestored)
	t.Logf("speaker back %.2f s after the sink was loaded", time.Since(reloaded).Seconds())
	if r := p.Reason(); r != "" {
		t.Fatalf("Reason %q with the speaker back", r)
	}
	waitHeard(t, ps, "spk.monitor", pulseTone)
}
