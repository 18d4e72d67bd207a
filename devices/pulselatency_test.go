package devices

import (
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// The mouth-to-ear room, of one PulseAudio null sink "air": the click
// train is played into it and its monitor is the sender's microphone; the
// receiver plays into it too, 18 dB quieter (its stream's volume at 50 %),
// so recording air's monitor shows each click as it is spoken (loud) and
// as it is heard (quieter), on one clock. The microphone hears the played
// click too, but that second round comes back 36 dB down, after the
// heard click.
var latencyRoom = []string{"module-null-sink sink_name=air"}

// Click train: clickCount clicks clickGap apart, each a 4 ms 2 kHz burst
// at -6 dBFS peak.
const (
	clickCount = 16
	clickGap   = 400 * time.Millisecond
)

func clickTrain() []int16 {
	gap := int(clickGap.Seconds() * sampleRate)
	pcm := make([]int16, gap*(clickCount+1))
	n := sampleRate * 4 / 1000
	for c := range clickCount {
		at := gap/2 + c*gap
		for i := range n {
			w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
			pcm[at+i] = int16(0.5 * w * math.Sin(2*math.Pi*2000*float64(i)/sampleRate) * math.MaxInt16)
		}
	}
	return pcm
}

// latencyParts is where audio waits in rtcterm's own buffers, sampled
// while the clicks play (mean ms): the sender's capture pacer, and the
// receiver's jitter buffer (packets, decoded samples and mixed samples not
// yet played) with its target.
type latencyParts struct {
	pacerMs, jitterMs, jitterTargetMs float64
	pacerBurstMs                      float64 // the largest block the pacer saw (it holds up to that)
}

// sampleParts reads the buffers every 100 ms until stop is closed.
func sampleParts(m *Media, p *Player, stop <-chan struct{}) latencyParts {
	var sum latencyParts
	n := 0
	for {
		select {
		case <-stop:
			if n > 0 {
				sum.pacerMs /= float64(n)
				sum.jitterMs /= float64(n)
				sum.jitterTargetMs /= float64(n)
			}
			return sum
		case <-time.After(100 * time.Millisecond):
		}
		m.mu.Lock()
		if d, ok := m.audio.src.(*deviceMic); ok {
			d.mu.Lock()
			sum.pacerMs += float64(len(d.pacer.buf)) * 1000 / sampleRate
			sum.pacerBurstMs = float64(d.pacer.burst) * 1000 / sampleRate
			d.mu.Unlock()
		}
		m.mu.Unlock()
		p.mu.Lock()
		if ps := p.peers["mouth"]; ps != nil {
			sum.jitterMs += float64(len(ps.jb.slots))*20 + float64(len(ps.pcm)+len(p.mixed))*1000/sampleRate
			sum.jitterTargetMs += float64(ps.jb.target) * 20
		}
		p.mu.Unlock()
		n++
	}
}

// mouthToEar runs one call through the room and returns each click's
// mouth-to-ear delay, in order, for the clicks heard, and where the audio
// waited meanwhile.
func mouthToEar(t testing.TB, ps *pulseServer) ([]time.Duration, latencyParts) {
	t.Helper()
	m, err := Open(t.Context(), Config{Name: "mouth", Audio: true, AudioDeviceID: "air.monitor"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := NewPlayer(PlayerConfig{OutputDeviceID: "air"})
	defer p.Close()
	if r := p.Reason(); r != "" {
		t.Fatalf("player off: %s", r)
	}
	// The player's stream is the only one on the sink yet.
	inputs := strings.Fields(ps.pactl("list", "short", "sink-inputs"))
	if len(inputs) == 0 {
		t.Fatal("no sink input for the player")
	}
	ps.pactl("set-sink-input-volume", inputs[0], "50%")
	var pushed atomic.Int64
	linkPeer(t, loopbackAPI(t), m, func(tr *webrtc.TrackRemote) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				p.Push("mouth", pkt)
				pushed.Add(1)
			}
		}
	})
	waitFor(t, "a second of audio at the receiver", func() bool { return pushed.Load() >= 50 })
	rec := ps.record("air.monitor")
	stop := make(chan struct{})
	parts := make(chan latencyParts, 1)
	go func() { parts <- sampleParts(m, p, stop) }()
	talkInto(t, "air", clickTrain())
	close(stop)
	time.Sleep(time.Second)
	return clickDelays(rec.stop()), <-parts
}

// talkInto plays pcm into sink with pacat and returns when done.
func talkInto(t testing.TB, sink string, pcm []int16) {
	t.Helper()
	f, err := os.Open(writeRaw(t, pcm))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("pacat", "--playback", "--device="+sink, "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20")
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pacat: %v: %s", err, out)
	}
}

// clickDelays finds each spoken click (the loud onsets, above a quarter
// of the recording's peak, at least half a gap apart) and the heard one
// after it: the first sample, between 10 ms after the spoken click and the
// next one, above a quarter of that stretch's own peak.
func clickDelays(pcm []int16) []time.Duration {
	abs := func(v int16) int { return max(int(v), -int(v)) }
	var peak int
	for _, v := range pcm {
		peak = max(peak, abs(v))
	}
	if peak < 1000 {
		return nil
	}
	quiet := int(clickGap.Seconds() * sampleRate / 2)
	var spoken []int
	last := -quiet
	for i, v := range pcm {
		if abs(v) > peak/4 {
			if i-last >= quiet {
				spoken = append(spoken, i)
			}
			last = i
		}
	}
	var out []time.Duration
	for k, at := range spoken {
		from, to := at+sampleRate/100, len(pcm)
		if k+1 < len(spoken) {
			to = spoken[k+1]
		}
		if from >= to {
			continue
		}
		var top int
		for _, v := range pcm[from:to] {
			top = max(top, abs(v))
		}
		if top < 100 { // nothing heard: digital near-silence
			continue
		}
		for i := from; i < to; i++ {
			if abs(pcm[i]) > top/4 {
				out = append(out, time.Duration(float64(i-at)/sampleRate*float64(time.Second)))
				break
			}
		}
	}
	return out
}

// Clicks spoken into the sender's microphone (a PulseAudio sink's monitor)
// travel through capture, Opus, a loopback peer connection, the
// receiver's jitter buffer and player to its speaker: most of them are
// heard, each once, well under a second later.
func TestMouthToEarThroughPulseAudio(t *testing.T) {
	ps := startPulse(t, latencyRoom...)
	d, parts := mouthToEar(t, ps)
	t.Logf("mouth-to-ear delays: %v; waiting in the sender's pacer %.0f ms (largest block %.0f ms), the receiver's jitter buffer %.0f ms (target %.0f ms)", d, parts.pacerMs, parts.pacerBurstMs, parts.jitterMs, parts.jitterTargetMs)
	if len(d) < clickCount*3/4 {
		t.Fatalf("heard %d of %d clicks", len(d), clickCount)
	}
	if med := median(d); med > time.Second {
		t.Fatalf("median mouth-to-ear %v", med)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkMouthToEar is TestMouthToEarThroughPulseAudio's call (about
// 9 s) per op: median-ms and max-ms are the delays of its clicks from
// the sender's microphone to the receiver's speaker (target ≤ 150 ms on
// loopback), heard-pct the share of clicks heard; pacer-ms and jitter-ms
// are the mean audio held in the sender's capture pacer and in the
// receiver's jitter buffer (and decoded, not yet mixed) meanwhile. The
// rest is fixed: one 20 ms Opus frame, the microphone's 10 ms period and
// the speaker's three 20 ms periods.
func BenchmarkMouthToEar(b *testing.B) {
	ps := startPulse(b, latencyRoom...)
	var d []time.Duration
	var parts latencyParts
	for b.Loop() {
		d, parts = mouthToEar(b, ps)
	}
	if len(d) == 0 {
		b.Fatal("no click heard")
	}
	b.ReportMetric(float64(median(d).Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(slices.Max(d).Microseconds())/1000, "max-ms")
	b.ReportMetric(100*float64(len(d))/clickCount, "heard-pct")
	b.ReportMetric(parts.pacerMs, "pacer-ms")
	b.ReportMetric(parts.jitterMs, "jitter-ms")
}
