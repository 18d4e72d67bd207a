package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// Timings of the move from the mesh to LiveKit.
const (
	// meshLinger is how long the mesh stays after every peer's media has
	// arrived through LiveKit: the others' subscriptions to our tracks
	// settle meanwhile, since our mesh connections still carry us to them.
	meshLinger = 2 * time.Second
	// meshDeadline closes the mesh at the latest this long after the
	// LiveKit room is connected, though some peer's media never arrived
	// there (a muted peer sends none; an old client stays on the mesh).
	meshDeadline = 15 * time.Second
	// handoverTick is how often the handover checks whether LiveKit
	// carries everyone's media yet.
	handoverTick = 100 * time.Millisecond
	// keyFrameWait is how long a peer's video may be missing, from the mesh
	// gone quiet to a LiveKit key frame, before LiveKit is asked for one
	// (and again at this interval).
	keyFrameWait = 500 * time.Millisecond
	// handoverCloseTimeout bounds Close: both engines' own bounds, in turn.
	handoverCloseTimeout = 25 * time.Second
)

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

	queue *actionQueue
	out   chan store.Action

	mu        sync.Mutex
	lk        *lkengine.Engine
	lkPeers   map[string]bool // peers LiveKit reported: their rows are its now
	lkPresent map[string]bool // peers in the LiveKit room
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
		queue:     newActionQueue(),
		out:       make(chan store.Action, 64),
		lkPeers:   map[string]bool{},
		lkPresent: map[string]bool{},
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
	sfu         bool                 // a LiveKit engine runs
	welcome     bool                 // the room was on LiveKit when we joined
	people      int                  // as the move said
	connectedAt time.Time            // LiveKit room connected; zero before
	allAt       time.Time            // every mesh peer's media came through LiveKit; zero before
	meshLeft    bool                 // the mesh's peer connections are closed
	meshPeers   map[string]bool      // the mesh's rows, true while connected
	asked       map[string]time.Time // key frames asked of LiveKit, by peer
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
	go func() { defer close(fwdDone); h.queue.forward(h.out, ctx.Done()) }()

	meshErr := make(chan error, 1)
	go func() { meshErr <- h.mesh.Run(ctx) }()
	lkErr := make(chan error, 1)
	meshActs := h.mesh.Actions()
	var lkActs <-chan store.Action
	ph := &phase{meshPeers: map[string]bool{}}
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
	h.queue.close()
	<-fwdDone
	return err
}

// emit queues an action of the handover's own.
func (h *handover) emit(a store.Action) {
	if !h.queue.push(a) {
		h.log.Debug("action dropped: queue full or closed", "action", fmt.Sprintf("%T", a))
	}
}

// owned reports whether peer's row is LiveKit's.
func (h *handover) owned(peer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lkPeers[peer]
}

// fromMesh passes on a mesh action, unless it is about a peer whose row
// LiveKit has taken over: the mesh closing under that peer is no news.
func (h *handover) fromMesh(a store.Action, ph *phase) {
	peer, keyed := peerOf(a)
	if keyed && h.owned(peer) {
		return
	}
	switch a := a.(type) {
	case store.AddPeerConnection:
		ph.meshPeers[a.PeerID] = false
	case store.UpdateConnectionStatus:
		if _, ok := ph.meshPeers[a.PeerID]; ok {
			ph.meshPeers[a.PeerID] = a.Status == store.StatusConnected
		}
	case store.RemovePeerConnection:
		delete(ph.meshPeers, a.PeerID)
	}
	h.emit(a)
}

// fromSFU passes on a LiveKit action. Its signaling and media reports are
// the mesh's already (one signaling connection, one media); a peer it
// reports becomes its row.
func (h *handover) fromSFU(a store.Action, ph *phase) {
	switch a := a.(type) {
	case store.UpdateSignaling:
		if a.Signaling.Status == store.SignalingConnected && ph.connectedAt.IsZero() {
			ph.connectedAt = h.now()
			h.mesh.SFUJoined()
			h.log.Info("livekit room connected", "welcome", ph.welcome)
			if ph.welcome {
				h.emit(store.SwitchedToSFU{SFU: sfuName, People: ph.people})
			}
		}
		return
	case store.InitializeMediaPending, store.InitializeMediaFulfilled, store.InitializeMediaRejected:
		return
	case store.AddPeerConnection:
		h.mu.Lock()
		h.lkPeers[a.PeerID], h.lkPresent[a.PeerID] = true, true
		h.mu.Unlock()
		if _, ok := ph.meshPeers[a.PeerID]; ok {
			return // the row is there: nobody joined, the peer came along
		}
	case store.RemovePeerConnection:
		h.mu.Lock()
		delete(h.lkPresent, a.PeerID)
		h.mu.Unlock()
		delete(ph.meshPeers, a.PeerID)
	case store.UpdateConnectionStatus:
		if a.Status == store.StatusClosed && !ph.meshLeft && ph.meshPeers[a.PeerID] {
			return // LiveKit ending while the mesh still carries this peer
		}
	}
	h.emit(a)
}

// startSFU joins the LiveKit room of mv with the shared media and returns
// its actions.
func (h *handover) startSFU(ctx context.Context, mv rtc.SFUMove, ph *phase, lkErr chan<- error) <-chan store.Action {
	lcfg := lkengine.Config{
		URL: mv.URL, Room: mv.Room, Identity: mv.SelfID, Token: mv.Token,
		VideoWidth: h.cfg.Media.Width, VideoHeight: h.cfg.Media.Height,
		OpenMedia: func(ctx context.Context) (lkengine.LocalMedia, error) {
			m, err := h.media.get(ctx)
			if err != nil {
				return nil, err
			}
			return keptMedia{m}, nil
		},
		Logger: h.log,
	}
	if h.audio.sink != nil {
		lcfg.Audio = audioSide{sfuSide{h.audio}, h.levels}
	}
	if h.video.sink != nil {
		lcfg.Video = sfuSide{h.video}
	}
	lk := lkengine.New(lcfg)
	h.mu.Lock()
	if !h.audioOn {
		_ = lk.SetAudio(false)
	}
	if !h.videoOn {
		_ = lk.SetVideo(false)
	}
	if h.hasTiles {
		lk.SetTiles(h.tiles)
	}
	h.lk = lk
	h.mu.Unlock()
	*ph = phase{sfu: true, welcome: mv.Welcome, people: mv.People, meshLeft: mv.Welcome, meshPeers: ph.meshPeers, asked: map[string]time.Time{}}
	h.log.Info("moving to livekit", "url", mv.URL, "room", mv.Room, "reason", mv.Reason, "welcome", mv.Welcome)
	go func() { lkErr <- lk.Run(ctx) }()
	return lk.Actions()
}

// sfuEnded handles the LiveKit engine's end. While the call goes on that
// is a failure: before the mesh closed, the call stays on the mesh.
func (h *handover) sfuEnded(ctx context.Context, err error, ph *phase) {
	if ctx.Err() != nil {
		return
	}
	why := "the room ended"
	if err != nil {
		why = err.Error()
	}
	h.log.Warn("livekit engine ended", "err", err, "mesh_left", ph.meshLeft)
	if ph.meshLeft {
		h.emit(store.SetConnectionError{Error: "LiveKit: " + why})
		return
	}
	h.mu.Lock()
	h.lk = nil
	h.lkPeers, h.lkPresent = map[string]bool{}, map[string]bool{}
	h.mu.Unlock()
	h.audio.reset()
	h.video.reset()
	h.mesh.ResumeMesh()
	ph.sfu = false
	for id, up := range ph.meshPeers {
		if up {
			h.emit(store.UpdateConnectionStatus{PeerID: id, Status: store.StatusConnected, At: h.now()})
		}
	}
	h.emit(store.ServerNotice{Level: "warn", Message: "staying on the mesh: LiveKit failed: " + why})
}

// check closes the mesh once LiveKit carries every peer's media (and a
// little longer), or at the deadline.
func (h *handover) check(ph *phase) {
	if !ph.sfu || ph.connectedAt.IsZero() {
		return
	}
	now := h.now()
	h.askKeyFrames(ph, now)
	if ph.meshLeft {
		return
	}
	all := true
	for id, up := range ph.meshPeers {
		if up && !h.audio.moved(id) && !h.video.moved(id) {
			all = false
		}
	}
	switch {
	case all && ph.allAt.IsZero():
		ph.allAt = now
	case all && now.Sub(ph.allAt) >= meshLinger:
		h.leaveMesh(ph, "every peer's media comes through LiveKit")
	case now.Sub(ph.connectedAt) >= meshDeadline:
		h.leaveMesh(ph, "deadline: not every peer's media came through LiveKit")
	}
}

// askKeyFrames asks LiveKit for a key frame of every peer whose video
// has not taken over there while the mesh has gone quiet for it (the peer
// closed its side of the mesh first): LiveKit's stream can only take over
// at a key frame, and a subscription may start, or resume, without one.
func (h *handover) askKeyFrames(ph *phase, now time.Time) {
	h.mu.Lock()
	lk := h.lk
	var ids []string
	for id := range h.lkPresent {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	if lk == nil || h.video.sink == nil {
		return
	}
	for _, id := range ids {
		if h.video.moved(id) || now.Sub(h.video.meshQuietSince(id)) < keyFrameWait || now.Sub(ph.asked[id]) < keyFrameWait {
			continue
		}
		ph.asked[id] = now
		lk.RequestKeyFrame(id)
	}
}

// leaveMesh closes the mesh's peer connections; signaling stays.
func (h *handover) leaveMesh(ph *phase, why string) {
	ph.meshLeft = true
	h.mesh.LeaveMesh()
	h.mu.Lock()
	people := len(h.lkPresent) + 1
	h.mu.Unlock()
	h.log.Info("mesh closed: the call is on livekit", "why", why, "people", people)
	h.emit(store.SwitchedToSFU{SFU: sfuName, People: people})
}

// sfu returns the LiveKit engine while one runs.
func (h *handover) sfu() *lkengine.Engine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lk
}

// SetAudio implements tui.Engine for both engines: the mesh keeps the
// server's media-state current, LiveKit mutes the publication.
func (h *handover) SetAudio(on bool) error {
	h.mu.Lock()
	h.audioOn = on
	h.mu.Unlock()
	err := h.mesh.SetAudio(on)
	if lk := h.sfu(); lk != nil {
		if lerr := lk.SetAudio(on); lerr != nil && !errors.Is(lerr, lkengine.ErrClosed) {
			return lerr
		}
	}
	return err
}

// SetVideo implements tui.Engine, as SetAudio.
func (h *handover) SetVideo(on bool) error {
	h.mu.Lock()
	h.videoOn = on
	h.mu.Unlock()
	err := h.mesh.SetVideo(on)
	if lk := h.sfu(); lk != nil {
		if lerr := lk.SetVideo(on); lerr != nil && !errors.Is(lerr, lkengine.ErrClosed) {
			return lerr
		}
	}
	return err
}

// SetScreenShare implements tui.Engine: the engine that carries the media
// switches the video source.
func (h *handover) SetScreenShare(on bool) error {
	if lk := h.sfu(); lk != nil {
		return lk.SetScreenShare(on)
	}
	return h.mesh.SetScreenShare(on)
}

// SetLowBandwidth implements tui.LowBandwidthEngine (the mesh's mode).
func (h *handover) SetLowBandwidth(on bool) error { return h.mesh.SetLowBandwidth(on) }

// Retry implements tui.Engine: the engine that has the peer's row.
func (h *handover) Retry(peerID string) error {
	if lk := h.sfu(); lk != nil && peerID != "" && h.owned(peerID) {
		return lk.Retry(peerID)
	}
	return h.mesh.Retry(peerID)
}

// CollectStats implements tui.Engine: once a peer's row is LiveKit's, its
// stats are those of our link to the SFU for that peer's media.
func (h *handover) CollectStats(ctx context.Context, peerID string) (store.Stats, error) {
	if lk := h.sfu(); lk != nil && h.owned(peerID) {
		return lk.CollectStats(ctx, peerID)
	}
	return h.mesh.CollectStats(ctx, peerID)
}

// SendChat implements tui.Engine: chat is signaling's, on both.
func (h *handover) SendChat(text string) error { return h.mesh.SendChat(text) }

// Leave implements tui.Engine.
func (h *handover) Leave() error { return h.Close() }

// RequestKeyFrame asks for a key frame from whichever engine feeds the
// video decoder for peerID.
func (h *handover) RequestKeyFrame(peerID string) {
	if lk := h.sfu(); lk != nil && h.video.moved(peerID) {
		lk.RequestKeyFrame(peerID)
		return
	}
	h.mesh.RequestKeyFrame(peerID)
}

// SetTiles tells LiveKit which video is drawn (the mesh sends all).
func (h *handover) SetTiles(tiles map[string]lkengine.TileSize) {
	h.mu.Lock()
	h.tiles, h.hasTiles = tiles, true
	lk := h.lk
	h.mu.Unlock()
	if lk != nil {
		lk.SetTiles(tiles)
	}
}

// Close implements Engine: Run returns after releasing everything.
func (h *handover) Close() error {
	h.mu.Lock()
	h.closed = true
	cancel, started := h.cancel, h.started
	h.mu.Unlock()
	if !started {
		return h.mesh.Close()
	}
	cancel()
	select {
	case <-h.done:
		return nil
	case <-time.After(handoverCloseTimeout):
		h.log.Error("call close timed out", "after", handoverCloseTimeout)
		return rtc.ErrCloseTimeout
	}
}

// peerOf is the peer an engine's action is about, if any.
func peerOf(a store.Action) (string, bool) {
	switch a := a.(type) {
	case store.AddPeerConnection:
		return a.PeerID, true
	case store.UpdateConnectionStatus:
		return a.PeerID, true
	case store.UpdateConnectionStats:
		return a.PeerID, true
	case store.RemovePeerConnection:
		return a.PeerID, true
	case store.AddICECandidate:
		return a.PeerID, true
	case store.ICECandidatesApplied:
		return a.PeerID, true
	case store.SetConnectionError:
		return a.PeerID, a.PeerID != ""
	case store.StorePendingOffer:
		return a.PeerID, true
	case store.TakePendingOffer:
		return a.PeerID, true
	case store.UpdateRemoteMedia:
		return a.PeerID, true
	case store.SetPeerFingerprint:
		return a.PeerID, true
	case store.UpdateRecovery:
		return a.PeerID, true
	}
	return "", false
}

var (
	_ Engine                 = (*handover)(nil)
	_ tui.LowBandwidthEngine = (*handover)(nil)
)
