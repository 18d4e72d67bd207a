package devices

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/wave"
	"github.com/pion/rtp"
	"github.com/rtcterm/rtcterm/store"
	"gopkg.in/hraban/opus.v2"
)

// fakeSpeaker is a loudspeaker-like Output the test pulls by hand.
type fakeSpeaker struct{ fill func([]int16) }

func (f *fakeSpeaker) Start(fill func([]int16)) error { f.fill = fill; return nil }
func (f *fakeSpeaker) Close() error                   { return nil }
func (f *fakeSpeaker) latency() time.Duration         { return 40 * time.Millisecond }

// plainOutput is an Output that is not a loudspeaker (a recorder).
type plainOutput struct{ fakeSpeaker }

func (p *plainOutput) latency() {} // hides fakeSpeaker's: not a loudspeaker

// chunkMic is a microphone whose chunks the test supplies.
type chunkMic struct{ next func() []int16 }

func (m *chunkMic) Read() (wave.Audio, func(), error) {
	c := wave.NewInt16Interleaved(wave.ChunkInfo{Len: chunkSamples, Channels: 1, SamplingRate: sampleRate})
	copy(c.Data, m.next())
	return c, func() {}, nil
}
func (m *chunkMic) Describe() store.Track { return store.Track{Kind: "audio", Label: "test mic"} }
func (m *chunkMic) Close() error          { return nil }

// burstPackets encodes n 20 ms Opus packets of noise bursts (100-400 ms
// long, at -20 to -10 dBFS, with pauses): loud, broadband and never steady,
// what an echo canceller learns a room from quickly.
func burstPackets(t testing.TB, n int) []*rtp.Packet {
	t.Helper()
	enc, err := opus.NewEncoder(sampleRate, 1, opus.AppVoIP)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := make([]int16, mixChunk)
	var amp float64
	left := 0
	var pkts []*rtp.Packet
	for i := range n {
		for j := range pcm {
			if left == 0 {
				left = sampleRate * (100 + rng.IntN(300)) / 1000
				if amp == 0 {
					amp = math.Pow(10, (-20+10*rng.Float64())/20)
				} else {
					amp = 0
				}
			}
			left--
			pcm[j] = int16(amp * math.MaxInt16 * (rng.Float64()*2 - 1) * 0.9)
		}
		data := make([]byte, 1000)
		w, err := enc.Encode(pcm, data)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i), Timestamp: uint32(i * mixChunk), SSRC: 9},
			Payload: data[:w],
		})
	}
	return pkts
}

// The Player feeds the canceller exactly what it hands a loudspeaker, and
// a microphone hearing that 60 ms later (at -6 dB) comes out of the
// canceller with the echo at least 20 dB down once it has converged; the
// same echo through the raw microphone is plainly there.
func TestEchoCancellerBetweenPlayerAndMic(t *testing.T) {
	e, err := NewEchoCanceller(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	spk := &fakeSpeaker{}
	p := NewPlayer(PlayerConfig{Output: spk, Echo: e})
	defer p.Close()

	var played []int16
	lag := 60 * sampleRate / 1000
	step := 0
	micChunk := func() []int16 {
		out := make([]int16, chunkSamples)
		for i := range out {
			if k := step*chunkSamples + i - lag; k >= 0 && k < len(played) {
				out[i] = played[k] / 2
			}
		}
		return out
	}
	mic := e.wrapNear(&chunkMic{next: micChunk}, 20*time.Millisecond)
	if !cleaned(mic) || !e.Active() {
		t.Fatalf("canceller not in the path: cleaned %v, active %v", cleaned(mic), e.Active())
	}
	pkts := burstPackets(t, 400)
	var raw, clean []int16
	buf := make([]int16, chunkSamples)
	for i, pkt := range pkts {
		p.Push("peer", pkt)
		if i < jitterTarget {
			continue
		}
		spk.fill(buf)
		played = append(played, buf...)
		raw = append(raw, micChunk()...)
		a, _, err := mic.Read()
		if err != nil {
			t.Fatal(err)
		}
		clean = append(clean, a.(*wave.Int16Interleaved).Data...)
		step++
	}
	from := 2 * sampleRate
	rawDB, cleanDB := rmsDB(raw[from:]), rmsDB(clean[from:])
	t.Logf("echo after 2 s: raw %.1f dBFS, cleaned %.1f dBFS (%.1f dB down)", rawDB, cleanDB, rawDB-cleanDB)
	if rawDB < -40 {
		t.Fatalf("the raw echo is only %.1f dBFS: the test cannot tell", rawDB)
	}
	if rawDB-cleanDB < 20 {
		t.Fatalf("echo only %.1f dB down, want ≥ 20", rawDB-cleanDB)
	}
}

// Only a loudspeaker feeds the canceller: with any other output it is not
// active, and without a canceller nothing is wrapped.
func TestEchoCancellerOnlyForLoudspeakers(t *testing.T) {
	e, err := NewEchoCanceller(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := NewPlayer(PlayerConfig{Output: &plainOutput{}, Echo: e})
	defer p.Close()
	_ = e.wrapNear(&chunkMic{next: func() []int16 { return nil }}, 0)
	if e.Active() {
		t.Error("active with an output that is not a loudspeaker")
	}
	var none *EchoCanceller
	src := &chunkMic{}
	if none.wrapNear(src, 0) != audioSource(src) || none.Active() {
		t.Error("a nil canceller wraps or is active")
	}
}

// Media runs a real microphone through the canceller and says so in its
// description (the header's "AEC on"); synthetic media never does.
func TestMediaDescribesEchoCancel(t *testing.T) {
	e, err := NewEchoCanceller(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := NewPlayer(PlayerConfig{Output: &fakeSpeaker{}, Echo: e})
	defer p.Close()
	paced := func() []int16 { time.Sleep(20 * time.Millisecond); return nil }
	devs := capturers{
		camera:     func(Config) (videoSource, error) { return nil, errNoDevice },
		microphone: func(Config) (audioSource, error) { return &chunkMic{next: paced}, nil },
	}
	for _, fake := range []bool{false, true} {
		m, err := open(t.Context(), Config{Name: "aec", Fake: fake, Audio: true, Video: true, Width: 160, Height: 120, FPS: 10, Echo: e}, devs)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Description().EchoCancel; got == fake {
			t.Errorf("fake media %v: EchoCancel %v", fake, got)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// The far queue keeps the count of played frames true: a speaker whose
// pulls fell 200 ms behind the clock played 180 ms of silence meanwhile,
// which is queued between the two pulls; a capture side that finds
// nothing queued for more than owedMax frames gets silence; and the queue
// never holds more than farMax frames.
func TestEchoCancellerFarQueue(t *testing.T) {
	e, err := NewEchoCanceller(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	clock := time.Unix(0, 0)
	e.now = func() time.Time { return clock }
	const n = sampleRate / 100
	ones := make([]int16, 2*n)
	for i := range ones {
		ones[i] = 1
	}
	e.farFrames(ones)
	clock = clock.Add(200 * time.Millisecond)
	e.farFrames(ones)
	if got, want := len(e.queue)/n, 2+18+2; got != want {
		t.Fatalf("queue holds %d frames, want %d (two pulls and the silence between)", got, want)
	}
	for i, v := range e.queue {
		if silent := i >= 2*n && i < 20*n; silent != (v == 0) {
			t.Fatalf("sample %d is %d", i, v)
		}
	}
	e.queue = e.queue[:0]
	e.started = true
	for i := range owedMax {
		if far := e.takeFar(); len(far) != 0 {
			t.Fatalf("take %d: %d samples from an empty queue", i, len(far))
		}
	}
	if far := e.takeFar(); len(far) != (owedMax+1)*n {
		t.Fatalf("after %d frames without the speaker: %d samples, want %d of silence", owedMax+1, len(far), (owedMax+1)*n)
	}
	e.farFrames(make([]int16, 10*farMax*n))
	if len(e.queue) > farMax*n {
		t.Fatalf("queue holds %d frames, more than %d", len(e.queue)/n, farMax)
	}
}
