package call

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
)

// Timings of the move from the mesh to LiveKit.
const (
	// meshLinger is how long the mesh stays once LiveKit carries every
	// peer's media to us and every peer has said it gets ours there
	// (sfu-receiving): packets already on their way over the mesh land.
	meshLinger = time.Second
	// meshDeadline closes the mesh at the latest this long after the
	// LiveKit room is connected, though some peer's media never arrived
	// there (a muted peer sends none; an old client stays on the mesh).
	meshDeadline = 15 * time.Second
	// meshDeadlineComing is the deadline while every peer still waited for
	// is in the LiveKit room (its media or its word is on its way): the
	// mesh carries it meanwhile, rather than a pause of its media.
	meshDeadlineComing = 30 * time.Second
	// maxHeard bounds the peers whose sfu-receiving is kept (the server
	// relays only members of the room, but the map is fed from outside).
	maxHeard = 1024
	// handoverTick is how often the handover checks whether LiveKit
	// carries everyone's media yet.
	handoverTick = 100 * time.Millisecond
	// keyFrameEvery is how often LiveKit is asked for a key frame of a peer
	// whose video has not taken over there yet (it can only at one);
	// keyFrameUrgent is the interval once the mesh has gone quiet for that
	// peer (which closed its side first), after keyFrameUrgent of quiet.
	keyFrameEvery  = time.Second
	keyFrameUrgent = 250 * time.Millisecond
	// sfuJoinTimeout bounds the join of the LiveKit room at a move. The
	// mesh carries the call meanwhile, so nobody waits on it, while a
	// join given up leaves us alone on the mesh once the others have
	// moved: a loaded machine (load 20 on two cores) took over the
	// engine's own 10 s, so the move allows 30 s.
	sfuJoinTimeout = 30 * time.Second
	// sfuJoinRetries is how often a failed join of LiveKit is tried again
	// while the mesh carries the call, sfuRetryFirst the first wait
	// (doubling after, up to sfuRetryMax): the server sends its move once,
	// and the others leave the mesh, so a member whose join failed would
	// be left alone there. The token lasts 10 minutes; these ~2 minutes.
	sfuJoinRetries = 6
	sfuRetryFirst  = 2 * time.Second
	sfuRetryMax    = 30 * time.Second
	// handoverCloseTimeout bounds Close: both engines' own bounds, in turn.
	handoverCloseTimeout = 25 * time.Second
)

// maxQueuedActions bounds the actions the handover holds for a slow
// reader of Actions; beyond it store.Queue merges superseded actions or
// refuses new ones, as the engines' queues do.
const maxQueuedActions = 4096

// forwardGrace is how long, once the handover has ended, a reader gets in
// all to take the last actions before they are dropped, so Close never
// depends on one.
const forwardGrace = 500 * time.Millisecond

// sfuName is how the UI names the SFU a room moved to.
const sfuName = "LiveKit"

// handover is the engine of `rtcterm join`: the mesh (rtc.Session), which
// the server may move to LiveKit when the room grows (protocol v1.1). It
// then starts a LiveKit engine with the same local media, keeps the mesh
// until LiveKit carries every peer's media, closes the mesh's peer
// connections (keeping its signaling for presence and chat) and reports
// sfu-joined. The rows stay: a peer's LiveKit identity is its peer id.
type handover struct {
	cfg    Config
	log    *slog.Logger
	media  *sharedMedia
	mesh   *rtc.Session
	audio  *gate
	video  *gate
	levels levels
	moves  chan rtc.SFUMove // the first move wins
	now    func() time.Time

	queue *store.Queue
	out   chan store.Action

	mu        sync.Mutex
	lk        *lkengine.Engine
	lkPeers   map[string]bool // peers LiveKit reported: their rows are its now
	lkPresent map[string]bool // peers in the LiveKit room
	heard     map[string]bool // peers that said they get our media through LiveKit (sfu-receiving)
	audioOn   bool
	videoOn   bool
	tiles     map[string]lkengine.TileSize
	hasTiles  bool
	cancel    context.CancelFunc
	started   bool
	closed    bool
	done      chan struct{}
}

// handoverSinks are where the handover's remote media goes; nil fields
// receive nothing.
type handoverSinks struct {
	Audio packetSink
	Level levels
	Video packetSink
}

// NewHandover builds the engine of a `rtcterm join --server` call: a mesh
// session that moves to LiveKit when the server says so, with local media
// from devices. It starts nothing until Run.
func NewHandover(cfg Config, sinks Sinks) Engine {
	log := logger(cfg)
	dcfg := deviceConfig(cfg, log)
	hs := handoverSinks{}
	if sinks.Player != nil {
		hs.Audio, hs.Level = sinks.Player, sinks.Player
	}
	if sinks.Video != nil {
		hs.Video = sinks.Video
	}
	h := newHandover(cfg, hs, func(ctx context.Context) (*devices.Media, error) { return openMedia(ctx, dcfg, sinks) })
	if sinks.Video != nil {
		sinks.Video.SetKeyFrameRequester(h.RequestKeyFrame)
	}
	return h
}

// newHandover builds a handover whose media comes from open.
func newHandover(cfg Config, sinks handoverSinks, open func(context.Context) (*devices.Media, error)) *handover {
	h := &handover{
		cfg:       cfg,
		log:       logger(cfg),
		media:     &sharedMedia{open: open},
		audio:     newGate(sinks.Audio, audioStarts, time.Now),
		video:     newGate(sinks.Video, videoStarts, time.Now),
		levels:    sinks.Level,
		moves:     make(chan rtc.SFUMove, 1),
		now:       time.Now,
		queue:     store.NewQueue(maxQueuedActions),
		out:       make(chan store.Action, 64),
		lkPeers:   map[string]bool{},
		lkPresent: map[string]bool{},
		heard:     map[string]bool{},
		audioOn:   true,
		videoOn:   true,
		done:      make(chan struct{}),
	}
	rcfg := meshConfig(cfg, h.log)
	rcfg.OpenMedia = func(ctx context.Context) (rtc.LocalMedia, error) {
		m, err := h.media.get(ctx)
		if err != nil {
			return nil, err
		}
		return newMeshMedia(m), nil
	}
	if sinks.Audio != nil {
		rcfg.Audio = audioSide{meshSide{h.audio}, sinks.Level}
	}
	if sinks.Video != nil {
		rcfg.Video = meshSide{h.video}
	}
	rcfg.OnSFUReceiving = h.heardReceiving
	rcfg.OnSFU = func(mv rtc.SFUMove) {
		select {
		case h.moves <- mv:
		default: // a move is under way already
		}
	}
	h.mesh = rtc.New(rcfg)
	applyJoinSwitches(h, cfg.Media)
	return h
}

// phase is where a handover stands; owned by Run's loop.
type phase struct {
	sfu         bool                               // a LiveKit engine runs
	welcome     bool                               // the room was on LiveKit when we joined
	people      int                                // as the move said
	connectedAt time.Time                          // LiveKit room connected; zero before
	allAt       time.Time                          // every mesh peer's media came through LiveKit; zero before
	meshLeft    bool                               // the mesh's peer connections are closed
	meshPeers   map[string]bool                    // the mesh's rows, true while connected
	media       map[string]store.UpdateRemoteMedia // what each peer last said it sends
	asked       map[string]time.Time               // key frames asked of LiveKit, by peer
	told        map[string]bool                    // peers told we get their media through LiveKit
	move        rtc.SFUMove                        // the server's move, kept for a retry of the join
	joins       int                                // joins of LiveKit failed before the mesh closed
	retryAt     time.Time                          // when to join LiveKit again; zero: no retry due
}

// Actions implements Engine: both engines' actions, merged in order.
func (h *handover) Actions() <-chan store.Action { return h.out }

// Run implements Engine: the mesh call, and the LiveKit one once the
// server moves the room, until ctx ends, Close is called or the server
// refuses the join.
func (h *handover) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h.mu.Lock()
	if h.started || h.closed {
		h.mu.Unlock()
		if !h.started {
			close(h.out)
		}
		return rtc.ErrClosed
	}
	h.started, h.cancel = true, cancel
	h.mu.Unlock()
	defer close(h.done)

	fwdDone := make(chan struct{})
	go func() { defer close(fwdDone); h.queue.Forward(h.out, forwardGrace) }()

	meshErr := make(chan error, 1)
	go func() { meshErr <- h.mesh.Run(ctx) }()
	lkErr := make(chan error, 1)
	meshActs := h.mesh.Actions()
	var lkActs <-chan store.Action
	ph := &phase{meshPeers: map[string]bool{}, media: map[string]store.UpdateRemoteMedia{}}
	tick := time.NewTicker(handoverTick)
	defer tick.Stop()
	for meshActs != nil || lkActs != nil {
		select {
		case a, ok := <-meshActs:
			if !ok {
				meshActs = nil
				cancel() // the mesh's signaling ended: so does the call
				continue
			}
			h.fromMesh(a, ph)
		case a, ok := <-lkActs:
			if !ok {
				lkActs = nil
				continue
			}
			h.fromSFU(a, ph)
		case mv := <-h.moves:
			if !ph.sfu && ctx.Err() == nil {
				lkActs = h.startSFU(ctx, mv, ph, lkErr)
			}
		case err := <-lkErr:
			h.sfuEnded(ctx, err, ph)
		case <-tick.C:
			// A retry of the join waits for the failed engine's actions
			// to end, so no reader of them is lost.
			if !ph.sfu && lkActs == nil && !ph.retryAt.IsZero() && !h.now().Before(ph.retryAt) && ctx.Err() == nil {
				lkActs = h.startSFU(ctx, ph.move, ph, lkErr)
			}
			h.check(ph)
		}
	}
	err := <-meshErr
	h.mu.Lock()
	lk := h.lk
	h.mu.Unlock()
	if lk != nil {
		_ = lk.Close() // ended with ctx already; this waits for it
	}
	if cerr := h.media.close(); cerr != nil {
		h.log.Warn("closing media", "err", cerr)
	}
	h.queue.Close()
	<-fwdDone
	return err
}
