// Package lkengine is rtcterm's second call engine: it joins a LiveKit
// room through LiveKit's SFU instead of a mesh of peer connections. It
// implements the same engine interface as rtc.Session and reports the call
// as the same store actions, so the terminal UI, the headless runner and
// the stats output work unchanged. One remote participant is one peer:
// its identity is the peer id.
//
// The package depends on store and LiveKit's Go SDK only (not on rtc,
// devices or the UI); LocalMedia, AudioSink and VideoSink repeat the
// method sets of their rtc counterparts so the same values serve both.
package lkengine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/rtcterm/rtcterm/store"
)

// closeTimeout bounds Close, so leaving a call never hangs the terminal.
const closeTimeout = 10 * time.Second

// maxQueued bounds the actions waiting for a reader of Actions. Far more
// than a call produces between two reads; beyond it store.Queue merges
// superseded actions or refuses new ones, so memory stays bounded even
// with no reader.
const maxQueued = 1024

// flushGrace is how long the end of Run waits in all for a reader to take
// the last actions before dropping them, so Close never depends on a
// reader.
const flushGrace = 500 * time.Millisecond

// readersTimeout bounds how long shutdown waits for the track readers,
// which end when the SDK has closed its peer connections.
const readersTimeout = 5 * time.Second

// Engine is one participant's membership of a LiveKit room.
type Engine struct {
	cfg Config
	log *slog.Logger

	queue *store.Queue
	out   chan store.Action

	// Participants whose state changed, for the loop to reconcile; SDK
	// callbacks only mark them, so no callback ever waits.
	dirtyMu sync.Mutex
	dirty   map[string]struct{}
	wake    chan struct{}
	gone    chan lksdk.DisconnectionReason // capacity 1: the server ended the session

	reconnecting atomic.Bool

	mu       sync.Mutex // guards the fields below
	room     *lksdk.Room
	media    LocalMedia
	audioPub *lksdk.LocalTrackPublication
	videoPub *lksdk.LocalTrackPublication
	videoGen int // video publications so far, for their track ids
	audioOn  bool
	videoOn  bool
	screen   bool
	started  bool
	closed   bool
	closing  bool // shutdown began: no new track readers
	cancel   context.CancelFunc
	peers    map[string]*peerMirror             // what the store was told, by identity
	tracks   map[string]*recvTrack              // subscribed remote tracks, by track SID
	quality  map[string]string                  // connection quality, by identity
	subFail  map[string]bool                    // a subscription failed, by identity
	getters  []stats.Getter                     // one per SDK peer connection
	baseline map[string]counters                // previous stats sample, by identity
	tiles    map[string]TileSize                // drawn video, by identity; nil: all
	applied  map[string]map[string]trackSetting // video settings sent, by identity and track SID

	done chan struct{}
	wg   sync.WaitGroup // track readers and the media's report forwarders
}

// peerMirror is what the store was last told about one participant.
type peerMirror struct {
	media  store.MediaState
	status store.Status
	errSet bool
}

// New returns an engine for cfg. It does nothing until Run.
func New(cfg Config) *Engine {
	cfg.defaults()
	quietSDK(cfg.Logger)
	return &Engine{
		cfg:      cfg,
		log:      cfg.Logger,
		queue:    store.NewQueue(maxQueued),
		out:      make(chan store.Action, 64),
		dirty:    map[string]struct{}{},
		wake:     make(chan struct{}, 1),
		gone:     make(chan lksdk.DisconnectionReason, 1),
		audioOn:  true,
		videoOn:  true,
		peers:    map[string]*peerMirror{},
		tracks:   map[string]*recvTrack{},
		quality:  map[string]string{},
		subFail:  map[string]bool{},
		baseline: map[string]counters{},
		applied:  map[string]map[string]trackSetting{},
		done:     make(chan struct{}),
	}
}

// Actions delivers every state change of the call as store actions, in
// order. It is closed when Run has returned. Nobody has to read it: the
// queue behind it is bounded and Run never waits long for a reader.
func (e *Engine) Actions() <-chan store.Action { return e.out }

// emit queues an action for Actions without blocking; store.Queue's rules
// say what a full queue merges or refuses.
func (e *Engine) emit(a store.Action) {
	if !e.queue.Push(a) {
		e.log.Debug("action dropped: queue full or closed", "action", fmt.Sprintf("%T", a))
	}
}

func (e *Engine) now() time.Time { return e.cfg.Now() }

// signaling describes our membership in status st.
func (e *Engine) signaling(st store.SignalingStatus) store.Signaling {
	return store.Signaling{Status: st, Room: e.cfg.Room, PeerID: e.cfg.Identity, UserName: e.cfg.Identity}
}

// Run joins the room and runs the call until ctx is done, Close is called,
// or the server refuses or ends the membership. It releases everything
// before returning. A refused join returns an error wrapping
// ErrUnauthorized, ErrUnreachable or the SDK's error.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	if e.closed || e.started {
		e.mu.Unlock()
		if !e.started {
			close(e.out)
		}
		return ErrClosed
	}
	e.started = true
	e.cancel = cancel
	e.mu.Unlock()
	defer close(e.done)

	fwdDone := make(chan struct{})
	go func() { defer close(fwdDone); e.queue.Forward(e.out, flushGrace) }()

	e.emit(store.UpdateSignaling{Signaling: e.signaling(store.SignalingConnecting)})
	err := e.call(ctx)
	cancel()
	e.shutdown()
	sig := e.signaling(store.SignalingClosed)
	if err != nil {
		sig.Error = err.Error()
	}
	e.emit(store.UpdateSignaling{Signaling: sig})
	e.queue.Close()
	<-fwdDone
	return err
}

// call joins and runs the call; it returns nil when ctx ends.
func (e *Engine) call(ctx context.Context) error {
	if e.cfg.URL == "" {
		return fmt.Errorf("livekit: %w", ErrUnreachable)
	}
	tok, err := e.cfg.token()
	if err != nil {
		e.emit(store.SetConnectionError{Error: err.Error()})
		return err
	}
	e.openMedia(ctx)
	e.watchReports(ctx)

	sf, err := stats.NewInterceptor()
	if err != nil {
		return fmt.Errorf("livekit: stats interceptor: %w", err)
	}
	sf.OnNewPeerConnection(func(_ string, g stats.Getter) {
		e.mu.Lock()
		e.getters = append(e.getters, g)
		e.mu.Unlock()
	})
	room := lksdk.NewRoom(e.callbacks())
	joinCtx, cancelJoin := context.WithTimeout(ctx, e.cfg.ConnectTimeout)
	err = room.JoinWithContextAndToken(joinCtx, e.cfg.URL, tok,
		lksdk.WithAutoSubscribe(true),
		lksdk.WithConnectTimeout(e.cfg.ConnectTimeout),
		// The stats interceptor first, so it sees the RTCP reports the
		// SDK's default interceptors (kept) produce.
		lksdk.WithInterceptors([]interceptor.Factory{sf, pliFactory{e.localKeyFrame}}),
		lksdk.WithIncludeDefaultInterceptors(true),
		lksdk.WithLogger(sdkLogger(e.log)),
	)
	cancelJoin()
	if err != nil {
		if ctx.Err() != nil {
			return nil // left while joining
		}
		err = e.classify(err)
		e.emit(store.SetConnectionError{Error: err.Error()})
		return err
	}
	e.mu.Lock()
	e.room = room
	e.mu.Unlock()
	e.log.Info("livekit joined", "url", e.cfg.URL, "room", room.Name(), "identity", room.LocalParticipant.Identity())
	e.emit(store.UpdateSignaling{Signaling: e.signaling(store.SignalingConnected)})
	e.publish()
	e.markAll()
	return e.loop(ctx)
}

// loop reconciles changed participants until the call ends.
func (e *Engine) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case reason := <-e.gone:
			if reason == lksdk.LeaveRequested {
				return nil
			}
			err := fmt.Errorf("%w: %s", ErrRemoved, reason)
			e.emit(store.SetConnectionError{Error: err.Error()})
			return err
		case <-e.wake:
			e.reconcileDirty()
		}
	}
}

// Close ends the session: Run returns after releasing everything, within
// closeTimeout. It never depends on a reader of Actions.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	cancel, started := e.cancel, e.started
	e.mu.Unlock()
	if !started {
		return nil
	}
	cancel()
	select {
	case <-e.done:
		return nil
	case <-time.After(closeTimeout):
		e.log.Error("livekit close timed out", "after", closeTimeout)
		return ErrCloseTimeout
	}
}

// Leave leaves the call cleanly: LiveKit is told, media released.
func (e *Engine) Leave() error { return e.Close() }

// shutdown leaves the room and releases media; the peers end closed.
func (e *Engine) shutdown() {
	e.mu.Lock()
	e.closing = true
	room, m := e.room, e.media
	e.mu.Unlock()
	if room != nil {
		room.Disconnect()
	}
	readers := make(chan struct{})
	go func() { e.wg.Wait(); close(readers) }()
	select {
	case <-readers:
	case <-time.After(readersTimeout):
		e.log.Warn("livekit track readers still running", "after", readersTimeout)
	}
	if m != nil {
		if err := m.Close(); err != nil {
			e.log.Warn("closing media", "err", err)
		}
	}
	e.mu.Lock()
	ids := make([]string, 0, len(e.peers))
	for id := range e.peers {
		ids = append(ids, id)
	}
	e.peers = map[string]*peerMirror{}
	e.mu.Unlock()
	for _, id := range ids {
		e.emit(store.UpdateConnectionStatus{PeerID: id, Status: store.StatusClosed, At: e.now()})
		e.removeFromSinks(id)
	}
}

// removeFromSinks forgets a participant in the audio and video sinks.
func (e *Engine) removeFromSinks(id string) {
	if e.cfg.Audio != nil {
		e.cfg.Audio.RemovePeer(id)
	}
	if e.cfg.Video != nil {
		e.cfg.Video.RemovePeer(id)
	}
}

// roomNow returns the joined room, nil before the join and after Run.
func (e *Engine) roomNow() *lksdk.Room {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return nil
	}
	return e.room
}

// qualityName is LiveKit's connection quality as rtcterm shows it.
func qualityName(q livekit.ConnectionQuality) string {
	switch q {
	case livekit.ConnectionQuality_EXCELLENT:
		return "excellent"
	case livekit.ConnectionQuality_GOOD:
		return "good"
	case livekit.ConnectionQuality_POOR:
		return "poor"
	case livekit.ConnectionQuality_LOST:
		return "lost"
	}
	return ""
}
