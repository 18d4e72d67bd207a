package devices

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/opus"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/store"
)

// audioBitrate is the Opus target: plenty for mono speech.
const audioBitrate = 40000

// audioPipe moves Opus packets from the one audio encoder to the audio
// track. The encoder pulls PCM from the source (microphone or tone), which
// paces the loop; while muted the packets are encoded and dropped, so the
// device stays drained and unmuting is instant.
type audioPipe struct {
	m     *Media
	track *webrtc.TrackLocalStaticSample

	// guarded by m.mu
	src     audioSource // nil without audio; closed by Media.Close
	enc     codec.ReadCloser
	enabled bool
	ended   bool // the source failed: nothing is sent any more
}

func newAudioPipe(m *Media, track *webrtc.TrackLocalStaticSample) *audioPipe {
	return &audioPipe{m: m, track: track, enabled: true}
}

// newOpusEncoder builds the mono 48 kHz Opus encoder reading src, with
// 20 ms frames.
func newOpusEncoder(src audioSource) (codec.ReadCloser, error) {
	params, err := opus.NewParams()
	if err != nil {
		return nil, fmt.Errorf("opus parameters: %w", err)
	}
	params.BitRate = audioBitrate
	params.Latency = opus.Latency20ms
	enc, err := params.BuildAudioEncoder(src, prop.Media{Audio: prop.Audio{SampleRate: sampleRate, ChannelCount: 1}})
	if err != nil {
		return nil, fmt.Errorf("opus encoder: %w", err)
	}
	return enc, nil
}

// loop runs until ctx is done or the source fails.
func (p *audioPipe) loop(ctx context.Context) {
	p.m.mu.Lock()
	enc, src := p.enc, p.src
	p.m.mu.Unlock()
	if enc == nil {
		return
	}
	for {
		var data []byte
		err := guard(func() error {
			var release func()
			var rerr error
			data, release, rerr = enc.Read()
			if release != nil {
				release()
			}
			return rerr
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.failed(src, err)
			return
		}
		p.packet(data)
	}
}

// packet writes one 20 ms Opus packet unless muted.
func (p *audioPipe) packet(data []byte) {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	p.m.stats.AudioTicks++
	if !p.enabled || p.ended || len(data) == 0 || !p.m.micPresentLocked() {
		return
	}
	if err := p.track.WriteSample(media.Sample{Data: data, Duration: 20 * time.Millisecond}); err != nil {
		p.m.cfg.Logger.Debug("write audio sample", "err", err)
	}
	p.m.stats.AudioPackets++
	p.m.stats.AudioBytes += uint64(len(data))
}

// failed ends audio capture after the source broke: the call goes on
// without local audio and the owner gets a store.MediaStreamEnded event.
func (p *audioPipe) failed(src audioSource, cause error) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	p.ended = true
	label := src.Describe().Label
	m.emitLocked(store.MediaStreamEnded, "audio", fmt.Errorf("%w: microphone %q: %w (audio off)", ErrStreamEnded, label, cause))
}
