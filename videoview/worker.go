package videoview

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

// Sample builder limits: how many packets and how much media time a frame
// may wait for a missing packet (a NACK retransmission) before it is
// given up and the worker waits for a key frame instead.
const (
	maxLatePackets = 100
	maxLateTime    = 300 * time.Millisecond
	// inboxSize bounds the packets queued for a worker: about two seconds
	// of video at 1 Mbps.
	inboxSize = 256
)

// worker decodes and draws one peer's video on its own goroutine.
type worker struct {
	sink   *Sink
	peerID string
	inbox  chan *rtp.Packet
	redraw chan struct{} // cap 1: the tile changed (size, appeared or went away)
	quit   chan struct{}
	once   sync.Once

	overflow atomic.Bool // packets were dropped: the next inter frame cannot decode
	// undrawn: packets were dropped (or the decoder freed) while the peer
	// had no tile, so the next picture needs a key frame, asked for as
	// soon as the tile is back.
	undrawn atomic.Bool

	// Owned by the worker goroutine.
	sb      *samplebuilder.SampleBuilder // nil until the first packet, and while hidden
	guard   seqGuard
	dec     codec.VideoDecoder
	in      sampleReader
	needKey bool
	pace    pacer
	last    image.Image // last decoded frame, for redraws
	r       Renderer

	mu sync.Mutex
	st PeerStats
}

func newWorker(s *Sink, peerID string) *worker {
	return &worker{
		sink:    s,
		peerID:  peerID,
		inbox:   make(chan *rtp.Packet, inboxSize),
		redraw:  make(chan struct{}, 1),
		quit:    make(chan struct{}),
		needKey: true,
	}
}

// newSampleBuilder is the builder for one run of sequence numbers.
func newSampleBuilder() *samplebuilder.SampleBuilder {
	return samplebuilder.New(maxLatePackets, &codecs.VP8Packet{}, 90000, samplebuilder.WithMaxTimeDelay(maxLateTime))
}

// push queues a packet without blocking.
func (w *worker) push(pkt *rtp.Packet) {
	select {
	case w.inbox <- pkt:
	default:
		w.overflow.Store(true)
		w.count(func(st *PeerStats) { st.Overflows++ })
	}
}

// skip drops a packet of a peer that has no tile: nothing of it is
// decoded, and the stream is picked up again at a key frame.
func (w *worker) skip() {
	w.undrawn.Store(true)
	w.count(func(st *PeerStats) { st.Undrawn++ })
}

func (w *worker) poke() {
	select {
	case w.redraw <- struct{}{}:
	default:
	}
}

func (w *worker) stop() { w.once.Do(func() { close(w.quit) }) }

func (w *worker) count(fn func(*PeerStats)) {
	w.mu.Lock()
	fn(&w.st)
	w.mu.Unlock()
}

func (w *worker) stats() PeerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st
}

// run is the worker goroutine.
func (w *worker) run() {
	defer w.release()
	for {
		select {
		case <-w.quit:
			return
		case <-w.redraw:
			w.tileChanged()
		case pkt := <-w.inbox:
			w.packet(pkt)
		}
	}
}

// tileChanged follows the UI: without a tile the decoder and buffers are
// freed; when the tile is back after a gap a key frame is asked for at
// once; otherwise the last picture is redrawn at the new size.
func (w *worker) tileChanged() {
	if _, ok := w.sink.tile(w.peerID); !ok {
		w.release()
		return
	}
	if w.undrawn.Swap(false) {
		w.needKey = true
		w.askKeyFrame()
	}
	if w.last != nil {
		w.draw(w.last)
	}
}

// release frees what the peer's video holds: the decoder (libvpx's frame
// buffers), the sample builder and the last picture. The stream resumes at
// the next key frame.
func (w *worker) release() {
	w.resetDecoder()
	w.sb, w.guard, w.last = nil, seqGuard{}, nil
	w.needKey = true
	w.undrawn.Store(true)
}

// packet assembles one RTP packet into frames and handles those that are
// complete. Sequence jumps never reach the sample builder (see seqGuard).
func (w *worker) packet(pkt *rtp.Packet) {
	now := w.sink.cfg.Now()
	w.count(func(st *PeerStats) { st.Packets++ })
	if w.undrawn.Swap(false) {
		w.needKey = true
		w.askKeyFrame()
	}
	if w.sb == nil {
		w.sb = newSampleBuilder() // the guard was reset with it
	}
	switch action, held := w.guard.admit(pkt, now); action {
	case seqPush:
		w.sb.Push(pkt)
	case seqHold:
		w.count(func(st *PeerStats) { st.Jumps++ })
		return
	case seqRestart:
		w.count(func(st *PeerStats) { st.SeqResets++ })
		w.sb = newSampleBuilder()
		w.needKey = true
		w.sb.Push(held)
		w.sb.Push(pkt)
	}
	for s := w.sb.Pop(); s != nil; s = w.sb.Pop() {
		w.sample(s, now)
	}
}

// sample decodes one whole frame and draws it when the tile is due. A
// frame is decoded only for a peer with a tile, and a key frame only when
// the size it declares is within the cap.
func (w *worker) sample(s *media.Sample, now time.Time) {
	if len(s.Data) == 0 {
		return
	}
	key := s.Data[0]&1 == 0
	if (w.overflow.Swap(false) || s.PrevDroppedPackets > 0) && !key {
		// A frame before this one is missing, so this one would decode
		// against the wrong reference: wait for a key frame.
		w.needKey = true
	}
	if _, ok := w.sink.tile(w.peerID); !ok {
		// Queued before the tile went away: not decoded.
		w.needKey = true
		w.count(func(st *PeerStats) { st.Skipped++ })
		return
	}
	if w.needKey && !key {
		w.count(func(st *PeerStats) { st.Skipped++ })
		w.askKeyFrame()
		return
	}
	if key {
		if err := checkKeyFrame(s.Data, w.sink.cfg.MaxWidth, w.sink.cfg.MaxHeight); err != nil {
			w.sink.cfg.Logger.Debug("video key frame refused", "peer", w.peerID, "err", err)
			w.count(func(st *PeerStats) { st.Refused++ })
			w.needKey = true
			w.askKeyFrame()
			return
		}
	}
	img, err := w.decode(s.Data)
	if err != nil {
		w.sink.cfg.Logger.Debug("video decode", "peer", w.peerID, "err", err)
		w.count(func(st *PeerStats) { st.DecodeErrors++ })
		w.resetDecoder()
		w.needKey = true
		w.askKeyFrame()
		return
	}
	if img == nil {
		return // a frame that is not shown
	}
	w.needKey = false
	w.last = img
	b := img.Bounds()
	w.count(func(st *PeerStats) { st.Decoded++; st.Width, st.Height = b.Dx(), b.Dy() })
	if !w.pace.allow(now, w.sink.interval) {
		return
	}
	w.draw(img)
}

// draw renders img for the peer's tile and publishes it.
func (w *worker) draw(img image.Image) {
	sz, ok := w.sink.tile(w.peerID)
	if !ok {
		return
	}
	lines := w.r.Render(img, sz.Width, sz.Height, w.sink.cfg.Mode)
	w.count(func(st *PeerStats) { st.Rendered++ })
	w.sink.publish(Frame{PeerID: w.peerID, Width: sz.Width, Height: sz.Height, Lines: lines}, w)
}

// askKeyFrame asks the requester for a key frame; the requester
// rate-limits (see Config.RequestKeyFrame).
func (w *worker) askKeyFrame() {
	w.count(func(st *PeerStats) { st.KeyFrameAsks++ })
	w.sink.requestKeyFrame(w.peerID)
}

// errNoSample is what the decoder's reader returns once the current frame
// has been read: the decoder produced no picture for it.
var errNoSample = errors.New("videoview: no sample")

// sampleReader feeds the decoder exactly one whole frame per Read.
type sampleReader struct{ data []byte }

func (r *sampleReader) Read(p []byte) (int, error) {
	d := r.data
	r.data = nil
	if d == nil {
		return 0, errNoSample
	}
	if len(d) > len(p) {
		return 0, fmt.Errorf("videoview: frame of %d bytes exceeds the decoder's buffer", len(d))
	}
	return copy(p, d), nil
}

// decode decodes one frame; it returns nil, nil for a frame that has no
// picture to show.
func (w *worker) decode(data []byte) (img image.Image, err error) {
	if w.dec == nil {
		dec, err := vpx.NewDecoder(&w.in, prop.Media{})
		if err != nil {
			return nil, fmt.Errorf("vp8 decoder: %w", err)
		}
		w.dec = dec
		w.count(func(st *PeerStats) { st.DecoderOpens++ })
	}
	defer func() {
		w.in.data = nil
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("videoview: decoder panic: %v", r)
		}
	}()
	w.in.data = data
	img, release, err := w.dec.Read()
	if errors.Is(err, errNoSample) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if release != nil {
		release()
	}
	return img, nil
}

// resetDecoder drops the decoder (after an error, or to free its memory);
// the next key frame starts a fresh one.
func (w *worker) resetDecoder() {
	if w.dec != nil {
		_ = w.dec.Close()
		w.dec = nil
		w.count(func(st *PeerStats) { st.DecoderCloses++ })
	}
}
