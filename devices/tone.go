package devices

import (
	"context"
	"hash/fnv"
	"math"
	"time"

	"github.com/pion/mediadevices/pkg/wave"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// Synthetic audio parameters: 48 kHz mono in 20 ms chunks, a tone pulsed
// 600 ms on and 400 ms off so a speaking indicator visibly moves.
const (
	sampleRate     = mediacodec.OpusSampleRate
	chunkSamples   = sampleRate / 50 // 20 ms
	toneAmplitude  = 0.3             // of full scale
	pulseOnSamples = sampleRate * 6 / 10
	pulseSamples   = sampleRate // one on/off cycle
	rampSamples    = sampleRate / 200
)

// toneFrequency derives a participant's pitch from the name, so two bots
// are told apart by ear (and by tests): 330 to 880 Hz in 50 Hz steps.
func toneFrequency(name string) float64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 330 + float64(h.Sum32()%12)*50
}

// toneSource is the synthetic microphone: a pulsed sine wave, paced in real
// time by a ticker. Its Read returns when the context is done or the source
// is closed.
type toneSource struct {
	ctx    context.Context
	freq   float64
	ticker *time.Ticker
	closed chan struct{}
	n      int64 // samples produced so far
}

func newToneSource(ctx context.Context, name string) *toneSource {
	return &toneSource{
		ctx:    ctx,
		freq:   toneFrequency(name),
		ticker: time.NewTicker(20 * time.Millisecond),
		closed: make(chan struct{}),
	}
}

// Read waits for the next 20 ms tick and returns one chunk.
func (s *toneSource) Read() (wave.Audio, func(), error) {
	select {
	case <-s.ctx.Done():
		return nil, func() {}, s.ctx.Err()
	case <-s.closed:
		return nil, func() {}, ErrClosed
	case <-s.ticker.C:
	}
	chunk := wave.NewInt16Interleaved(wave.ChunkInfo{Len: chunkSamples, Channels: 1, SamplingRate: sampleRate})
	s.fill(chunk.Data)
	return chunk, func() {}, nil
}

// fill writes the next len(buf) samples of the pulsed tone.
func (s *toneSource) fill(buf []int16) {
	for i := range buf {
		n := s.n + int64(i)
		buf[i] = int16(toneAmplitude * 32767 * pulseEnvelope(n) * math.Sin(2*math.Pi*s.freq*float64(n)/sampleRate))
	}
	s.n += int64(len(buf))
}

// pulseEnvelope is 1 during the "on" part of each pulse and 0 otherwise,
// with short linear ramps so the pulses do not click.
func pulseEnvelope(n int64) float64 {
	p := n % pulseSamples
	switch {
	case p >= pulseOnSamples:
		return 0
	case p < rampSamples:
		return float64(p) / rampSamples
	case p > pulseOnSamples-rampSamples:
		return float64(pulseOnSamples-p) / rampSamples
	}
	return 1
}

// Describe marks the source as synthetic.
func (s *toneSource) Describe() store.Track {
	return store.Track{Kind: "audio", Label: "test tone", DeviceID: "synthetic", Synthetic: true}
}

// Close stops the ticker; a blocked Read returns.
func (s *toneSource) Close() error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
		s.ticker.Stop()
	}
	return nil
}
