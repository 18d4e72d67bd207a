package devices

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/rtcterm/rtcterm/store"
	"gopkg.in/hraban/opus.v2"
)

// PlayerConfig configures remote audio playback.
type PlayerConfig struct {
	Disabled bool   // --no-audio-out: decode (for levels) but play nothing
	Output   Output // where the mix goes; nil = the device OutputDeviceID names
	// OutputDeviceID is the speaker to play on, an ID Enumerate lists with
	// Kind "speaker" (--speaker); "" is the default one. An unknown ID
	// leaves the player off with Reason saying what exists.
	OutputDeviceID string
	// Echo, when set, is fed everything played on a real speaker, so the
	// microphone (Config.Echo) is cleaned of it.
	Echo   *EchoCanceller
	Logger *slog.Logger // default: discard
}

// Player decodes every remote Opus stream, conceals lost packets, mixes the
// streams into one mono 48 kHz stream and plays it. It measures each peer's
// audio level even when playback is off.
type Player struct {
	log  *slog.Logger
	echo *EchoCanceller // fed what real speakers play (PlayerConfig.Echo); nil: none

	// outMu guards the output and what is said about it; the output can
	// vanish, come back and be switched while the call runs
	// (outputswitch.go).
	outMu     sync.Mutex
	out       Output // nil while off
	reason    string
	outID     string // the speaker in use, or the one waited for while it is gone
	fixed     bool   // Disabled or a given Output: nothing to watch or switch
	lost      bool   // the speaker vanished: reopened by outID with backoff
	retryAt   time.Time
	backoff   time.Duration
	outClosed bool
	events    chan store.MediaEvent
	watch     stallWatch

	mu      sync.Mutex
	peers   map[string]*peerStream
	volumes map[string]float64 // per-peer playback gain, 1 unless set; kept across a peer's new streams
	lim     limiter
	acc     []int32 // one mixing chunk
	mixed   []int16 // mixed samples not yet handed to the output
	scratch []int16 // decoder output
	closed  bool

	stop chan struct{} // ends the idle clock when playback is off
	wg   sync.WaitGroup
}

// peerStream is one remote sender.
type peerStream struct {
	dec       *opus.Decoder
	jb        jitterBuffer
	pcm       []int16 // decoded samples not yet mixed
	level     float64
	frameSize int // samples per channel of the last packet, for concealment
	errs      int
	ssrc      uint32
	stats     PlayerStats
}

// PlayerStats counts what the player received of one peer, for tests and
// diagnostics (the gaps of a peer's audio are when Packets stood still).
type PlayerStats struct {
	Packets uint64 // Opus packets with a payload
	Streams uint64 // streams (SSRCs) seen; more than one: the sender's stream changed
}

// Playback constants: mono 48 kHz mixed in 20 ms chunks.
const (
	mixChunk   = chunkSamples
	maxFrame   = sampleRate * 120 / 1000 // longest Opus frame: 120 ms
	idleTick   = 20 * time.Millisecond
	noOutputOf = "audio output off: "
)

// errNoOutputDevice reports a machine without a usable playback device.
var errNoOutputDevice = errors.New("no output device")

// NewPlayer starts playback. It never fails: without an output device (or
// when Disabled) it runs "off", says why in Reason, and still decodes every
// stream on its own 20 ms clock so Level keeps working.
func NewPlayer(cfg PlayerConfig) *Player {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Player{
		log:     log,
		echo:    cfg.Echo,
		peers:   map[string]*peerStream{},
		acc:     make([]int32, mixChunk),
		scratch: make([]int16, maxFrame),
		stop:    make(chan struct{}),
		events:  make(chan store.MediaEvent, 16),
		outID:   cfg.OutputDeviceID,
		fixed:   cfg.Disabled || cfg.Output != nil,
	}
	out := cfg.Output
	var err error
	switch {
	case cfg.Disabled:
		out, err = nil, errors.New("disabled (--no-audio-out)")
	case out == nil:
		var dev *deviceOutput
		if dev, err = openDeviceOutput(cfg.OutputDeviceID); err == nil {
			out, p.outID = dev, dev.info.ID
		}
	}
	if err == nil {
		p.watch.beat(time.Now())
		if serr := p.startOn(out); serr != nil {
			out, err = nil, fmt.Errorf("start output: %w", serr)
		}
	}
	if err != nil {
		p.reason = noOutputOf + err.Error()
		log.Info("remote audio", "playback", p.reason)
	} else {
		p.out = out
	}
	p.wg.Add(1)
	go p.supervise()
	return p
}

// Reason is "" while playing, else why playback is off, e.g. "audio output
// off: no output device".
func (p *Player) Reason() string {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	return p.reason
}

// Push hands over one Opus RTP packet of peerID. It never blocks on I/O;
// call it from the track-reading goroutine for every packet. The packet is
// copied.
func (p *Player) Push(peerID string, pkt *rtp.Packet) {
	if pkt == nil || len(pkt.Payload) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	ps := p.peers[peerID]
	if ps == nil {
		dec, err := opus.NewDecoder(sampleRate, 1)
		if err != nil {
			p.log.Warn("opus decoder", "peer", peerID, "err", err)
			return
		}
		ps = &peerStream{dec: dec, jb: newJitterBuffer(), frameSize: mixChunk, ssrc: pkt.SSRC, stats: PlayerStats{Streams: 1}}
		p.peers[peerID] = ps
	}
	if pkt.SSRC != ps.ssrc {
		// A new stream from the same peer (renegotiation, or the move to
		// an SFU): new numbering.
		ps.ssrc = pkt.SSRC
		ps.jb.reset()
		ps.stats.Streams++
	}
	ps.stats.Packets++
	ps.jb.insert(pkt.SequenceNumber, append([]byte(nil), pkt.Payload...))
}

// Level is peerID's recent audio level, 0 (silence) to 1 (a full-scale
// tone); 0 for an unknown peer.
func (p *Player) Level(peerID string) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ps := p.peers[peerID]; ps != nil {
		return ps.level
	}
	return 0
}

// Stats returns what the player received of peerID, false for an
// unknown peer (none yet, or removed).
func (p *Player) Stats(peerID string) (PlayerStats, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.peers[peerID]
	if ps == nil {
		return PlayerStats{}, false
	}
	return ps.stats, true
}

// RemovePeer forgets peerID's stream.
func (p *Player) RemovePeer(peerID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.peers, peerID)
}

// Close stops playback; no goroutine is left. Closing twice is harmless.
func (p *Player) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
	p.outMu.Lock()
	defer p.outMu.Unlock()
	out := p.out
	p.out, p.outClosed = nil, true
	close(p.events)
	if out != nil {
		if err := out.Close(); err != nil {
			return fmt.Errorf("close audio output: %w", err)
		}
	}
	return nil
}

// fill is the output's pull: it hands out the next len(buf) mixed samples.
func (p *Player) fill(buf []int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.mixed) < len(buf) {
		p.mixed = p.mixNext(p.mixed)
	}
	copy(buf, p.mixed)
	n := copy(p.mixed, p.mixed[len(buf):])
	p.mixed = p.mixed[:n]
}

// mixNext appends one 20 ms chunk of every peer's audio, mixed, to dst.
func (p *Player) mixNext(dst []int16) []int16 {
	clear(p.acc)
	for id, ps := range p.peers {
		chunk := ps.take(mixChunk, p.scratch)
		ps.level = nextLevel(ps.level, chunkLevel(chunk)) // what they say, before our volume
		vol, set := p.volumes[id]
		if !set {
			vol = 1
		}
		for i, v := range chunk {
			p.acc[i] += int32(float64(v) * vol)
		}
		if ps.errs == 1 {
			p.log.Debug("opus decode error", "peer", id)
		}
	}
	n := len(dst)
	dst = append(dst, make([]int16, mixChunk)...)
	p.lim.apply(p.acc, dst[n:])
	return dst
}

// take returns the peer's next n samples (nil when it is not playing),
// decoding, recovering or concealing packets as the jitter buffer says.
func (ps *peerStream) take(n int, scratch []int16) []int16 {
	for len(ps.pcm) < n {
		kind, data := ps.jb.pop()
		if kind == popNothing {
			break
		}
		got := ps.decode(kind, data, scratch)
		if got == 0 {
			got = ps.frameSize // keep time: a failed decode plays silence
			clear(scratch[:got])
		}
		ps.pcm = append(ps.pcm, scratch[:got]...)
	}
	if len(ps.pcm) == 0 {
		return nil
	}
	k := min(n, len(ps.pcm))
	out := append([]int16(nil), ps.pcm[:k]...)
	ps.pcm = ps.pcm[:copy(ps.pcm, ps.pcm[k:])]
	return out
}

// decode runs the decoder for one playout frame and returns the samples
// written to scratch.
func (ps *peerStream) decode(kind popKind, data []byte, scratch []int16) int {
	var err error
	n := ps.frameSize
	switch kind {
	case popPacket:
		n, err = ps.dec.Decode(data, scratch)
		if err == nil {
			ps.frameSize = n
		}
	case popFEC:
		err = ps.dec.DecodeFEC(data, scratch[:n])
	case popPLC:
		err = ps.dec.DecodePLC(scratch[:n])
	}
	if err != nil {
		ps.errs++
		return 0
	}
	return n
}

// MaxVolume is the loudest a peer can be made: twice as loud as sent. The
// mixer's limiter keeps the sum from clipping.
const MaxVolume = 2.0

// SetVolume sets how loud one peer plays, from 0 (muted here only) to
// MaxVolume; 1 is as sent. It lasts for the call, across the peer's
// reconnections.
func (p *Player) SetVolume(peerID string, v float64) {
	v = min(max(v, 0), MaxVolume)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.volumes == nil {
		p.volumes = map[string]float64{}
	}
	p.volumes[peerID] = v
}

// Volume is the peer's playback gain (1 unless set).
func (p *Player) Volume(peerID string) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.volumes[peerID]; ok {
		return v
	}
	return 1
}
