package videoview

import (
	"image"
	"image/color"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// DefaultFPS is the frame rate limit per tile when Config.FPS is zero.
const DefaultFPS = 15

// Local is the key of the local preview among tiles and frames; remote
// peers are keyed by their (never empty) peer id.
const Local = ""

// Size is a tile's picture area in terminal cells.
type Size struct{ Width, Height int }

// Frame is the newest picture of one peer, ready to print: Height lines of
// Width cells each, drawn for the tile size the UI last set.
type Frame struct {
	PeerID        string
	Width, Height int
	Lines         []string
}

// PeerStats counts what a peer's worker did, for tests and diagnostics.
type PeerStats struct {
	Packets       uint64 // RTP packets the worker handled
	Overflows     uint64 // packets dropped because the worker fell behind
	Undrawn       uint64 // packets dropped because the peer had no tile
	Jumps         uint64 // packets held back as sequence jumps (not assembled)
	SeqResets     uint64 // fresh sample builders after a sequence jump
	Decoded       uint64 // frames decoded
	Rendered      uint64 // frames drawn for the UI
	DecodeErrors  uint64 // frames the decoder refused
	Refused       uint64 // key frames not decoded: malformed header or above the size cap
	Skipped       uint64 // frames not decoded while waiting for a key frame or without a tile
	KeyFrameAsks  uint64 // key frames asked of the requester
	DecoderOpens  uint64 // decoders started
	DecoderCloses uint64 // decoders closed (errors, tile gone, peer removed)
	Width, Height int    // size of the last decoded frame
}

// Config configures a Sink.
type Config struct {
	// FPS limits how many frames a second each tile is redrawn (default
	// DefaultFPS). Frames in between are decoded but not drawn.
	FPS int
	// Mode is the cell encoding (see DetectMode).
	Mode Mode
	// RequestKeyFrame asks a peer for a key frame (a PLI). The Sink calls it
	// from the peer's worker on every frame it cannot decode until a key
	// frame arrives, so it must rate-limit (rtc.Session.RequestKeyFrame
	// does, per peer, with the same gate as the rest of the key-frame
	// traffic) and must not block for long. SetKeyFrameRequester can set it
	// later.
	RequestKeyFrame func(peerID string)
	// MaxWidth and MaxHeight cap the picture size a peer may make the
	// decoder allocate (default DefaultMaxWidth×DefaultMaxHeight, in
	// either orientation). A key frame declaring more is never decoded:
	// the peer's video is skipped until a key frame within the cap
	// arrives, and one is asked for, rate-limited.
	MaxWidth, MaxHeight int
	// Now reads the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.FPS <= 0 {
		c.FPS = DefaultFPS
	}
	if c.MaxWidth <= 0 {
		c.MaxWidth = DefaultMaxWidth
	}
	if c.MaxHeight <= 0 {
		c.MaxHeight = DefaultMaxHeight
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Sink decodes remote video and draws it for the UI. It implements
// rtc.VideoSink: Push never blocks. The UI says which tiles it shows with
// SetTiles, waits on Ready and collects the newest frames with Take.
type Sink struct {
	cfg   Config
	ready chan struct{} // cap 1: frames are waiting in latest
	wg    sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	workers  map[string]*worker
	tiles    map[string]Size
	latest   map[string]Frame
	dirty    map[string]bool
	askKey   func(peerID string)
	local    *localPreview
	interval time.Duration
}

// New returns a Sink; Close stops its workers.
func New(cfg Config) *Sink {
	cfg = cfg.withDefaults()
	return &Sink{
		cfg:      cfg,
		ready:    make(chan struct{}, 1),
		workers:  map[string]*worker{},
		tiles:    map[string]Size{},
		latest:   map[string]Frame{},
		dirty:    map[string]bool{},
		askKey:   cfg.RequestKeyFrame,
		local:    &localPreview{},
		interval: time.Second / time.Duration(cfg.FPS),
	}
}

// Mode returns the cell encoding the Sink draws with.
func (s *Sink) Mode() Mode { return s.cfg.Mode }

// SetKeyFrameRequester sets Config.RequestKeyFrame, for a session that is
// built after the Sink it delivers to.
func (s *Sink) SetKeyFrameRequester(fn func(peerID string)) {
	s.mu.Lock()
	s.askKey = fn
	s.mu.Unlock()
}

// Push hands one remote VP8 packet to the peer's worker, starting it on the
// first packet. It never blocks: when the worker is behind, the packet is
// dropped and the worker waits for a key frame. A peer without a tile is
// not decoded at all: its packets are dropped here, and when its tile
// appears a key frame is asked for. The Sink keeps pkt, so the caller must
// not reuse it (Pion's TrackRemote.ReadRTP allocates each).
func (s *Sink) Push(peerID string, pkt *rtp.Packet) {
	if peerID == Local || pkt == nil {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	w := s.workers[peerID]
	if w == nil {
		w = newWorker(s, peerID)
		s.workers[peerID] = w
		s.wg.Add(1)
		go func() { defer s.wg.Done(); w.run() }()
	}
	_, drawn := s.tileLocked(peerID)
	s.mu.Unlock()
	if !drawn {
		w.skip()
		return
	}
	w.push(pkt)
}

// RemovePeer stops the peer's worker and forgets its frame.
func (s *Sink) RemovePeer(peerID string) {
	s.mu.Lock()
	w := s.workers[peerID]
	delete(s.workers, peerID)
	delete(s.latest, peerID)
	delete(s.dirty, peerID)
	s.mu.Unlock()
	if w != nil {
		w.stop()
	}
}

// Close stops every worker and waits for them.
func (s *Sink) Close() error {
	s.mu.Lock()
	s.closed = true
	ws := slices.Collect(maps.Values(s.workers))
	clear(s.workers)
	s.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
	s.wg.Wait()
	return nil
}

// SetTiles says which tiles the UI shows and how large their picture
// areas are. Peers without a tile are not decoded, and their decoders and
// buffers are freed; when a tile appears the peer is asked for a key
// frame. Workers whose tile changed size redraw their last frame at once.
func (s *Sink) SetTiles(tiles map[string]Size) {
	s.mu.Lock()
	old := s.tiles
	s.tiles = maps.Clone(tiles)
	var redraw []*worker
	for id, w := range s.workers {
		sz, ok := tiles[id]
		was, had := old[id]
		if ok != had || sz != was {
			redraw = append(redraw, w)
		}
	}
	localChanged := tiles[Local] != old[Local]
	s.mu.Unlock()
	for _, w := range redraw {
		w.poke()
	}
	if localChanged {
		s.local.redraw(s)
	}
}

// tile returns the peer's tile size, false when it has none.
func (s *Sink) tile(peerID string) (Size, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tileLocked(peerID)
}

// tileLocked is tile with s.mu held.
func (s *Sink) tileLocked(peerID string) (Size, bool) {
	sz, ok := s.tiles[peerID]
	return sz, ok && sz.Width > 0 && sz.Height > 0
}

// requestKeyFrame calls the requester, if any.
func (s *Sink) requestKeyFrame(peerID string) {
	s.mu.Lock()
	fn := s.askKey
	s.mu.Unlock()
	if fn != nil {
		fn(peerID)
	}
}

// publish makes f the peer's newest frame and signals Ready. A frame of a
// peer removed meanwhile is dropped.
func (s *Sink) publish(f Frame, w *worker) {
	s.mu.Lock()
	if f.PeerID != Local && s.workers[f.PeerID] != w {
		s.mu.Unlock()
		return
	}
	s.latest[f.PeerID] = f
	s.dirty[f.PeerID] = true
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready receives a value when frames are waiting to be taken.
func (s *Sink) Ready() <-chan struct{} { return s.ready }

// Take returns the newest frame of every peer drawn since the last Take,
// ordered by peer id. Frames drawn in between replaced each other: a slow
// UI skips frames instead of queueing them.
func (s *Sink) Take() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Frame, 0, len(s.dirty))
	for id := range s.dirty {
		out = append(out, s.latest[id])
	}
	clear(s.dirty)
	slices.SortFunc(out, func(a, b Frame) int {
		switch {
		case a.PeerID < b.PeerID:
			return -1
		case a.PeerID > b.PeerID:
			return 1
		}
		return 0
	})
	return out
}

// Stats returns what the peer's worker has done, false for an unknown
// peer.
func (s *Sink) Stats(peerID string) (PeerStats, bool) {
	s.mu.Lock()
	w := s.workers[peerID]
	s.mu.Unlock()
	if w == nil {
		return PeerStats{}, false
	}
	return w.stats(), true
}

// PreviewTap is what local media implements to show its captured frames
// in the terminal: SetPreview registers a function (Sink.PushLocal) the
// capture loop calls with every frame, synchronously and without keeping
// the frame. devices.Media implements it; media without it get a card
// instead of the preview.
type PreviewTap interface {
	SetPreview(fn func(img image.Image))
}

// PushLocal draws a captured local frame into the preview tile, at most
// Config.FPS times a second. It runs on the caller's goroutine and does
// not keep img, so a capture loop may reuse its buffer afterwards; it
// costs well under a millisecond a frame.
func (s *Sink) PushLocal(img image.Image) {
	s.local.push(s, img)
}

// localPreview draws the local camera: no decoding, just scale and encode.
type localPreview struct {
	mu   sync.Mutex
	r    Renderer
	pace pacer
	pic  *image.YCbCr // copy of the last frame, for redraws at a new size
}

func (l *localPreview) push(s *Sink, img image.Image) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sz, ok := s.tile(Local)
	if !ok || !l.pace.allow(s.cfg.Now(), s.interval) {
		return
	}
	l.pic = copyYCbCr(l.pic, img)
	l.drawLocked(s, sz)
}

func (l *localPreview) redraw(s *Sink) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sz, ok := s.tile(Local)
	if !ok || l.pic == nil {
		return
	}
	l.drawLocked(s, sz)
}

func (l *localPreview) drawLocked(s *Sink, sz Size) {
	lines := l.r.Render(l.pic, sz.Width, sz.Height, s.cfg.Mode)
	s.publish(Frame{PeerID: Local, Width: sz.Width, Height: sz.Height, Lines: lines}, nil)
}

// copyYCbCr copies a captured frame (whose buffer the capture loop reuses)
// into dst, reallocating it when the size differs; other image types are
// converted.
func copyYCbCr(dst *image.YCbCr, img image.Image) *image.YCbCr {
	b := img.Bounds()
	if dst == nil || dst.Rect.Size() != b.Size() {
		dst = image.NewYCbCr(image.Rectangle{Max: b.Size()}, image.YCbCrSubsampleRatio420)
	}
	if yc, ok := img.(*image.YCbCr); ok && yc.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min == (image.Point{}) {
		for y := range b.Dy() {
			copy(dst.Y[y*dst.YStride:][:b.Dx()], yc.Y[y*yc.YStride:][:b.Dx()])
		}
		cw, ch := (b.Dx()+1)/2, (b.Dy()+1)/2
		for y := range ch {
			copy(dst.Cb[y*dst.CStride:][:cw], yc.Cb[y*yc.CStride:][:cw])
			copy(dst.Cr[y*dst.CStride:][:cw], yc.Cr[y*yc.CStride:][:cw])
		}
		return dst
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			px, py := x-b.Min.X, y-b.Min.Y
			dst.Y[dst.YOffset(px, py)] = yy
			dst.Cb[dst.COffset(px, py)], dst.Cr[dst.COffset(px, py)] = cb, cr
		}
	}
	return dst
}
