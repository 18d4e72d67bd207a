// Package rtc runs the WebRTC side of a call: one Pion PeerConnection per
// remote peer, negotiated through the signaling server, with trickle ICE,
// stats and automatic recovery. Everything that changes is reported as
// store actions on Session.Actions.
package rtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// ErrPeerNotFound reports an operation on a peer the session does not know
// or has no connection with yet.
var ErrPeerNotFound = errors.New("peer connection not found")

// ErrClosed reports an operation on a session that has ended.
var ErrClosed = errors.New("session closed")

// ErrCloseTimeout reports that Close gave up waiting for the session to
// release everything; the process can still exit.
var ErrCloseTimeout = errors.New("session did not close in time")

// closeTimeout bounds how long Close waits, so leaving a call can never
// hang the terminal.
const closeTimeout = 10 * time.Second

// forwardGrace is how long, once Run has released everything, the
// forwarder waits in all for someone to take the last actions from Actions
// before it concludes that nobody reads any more and drops the rest
// (store.Queue.Forward). Close must never depend on a reader, yet a reader
// that is still there gets the last actions.
const forwardGrace = 500 * time.Millisecond

// maxQueuedActions bounds the actions waiting for a reader of Actions
// (remote events produce them). A reader this far behind is not reading;
// what comes beyond is merged or dropped by store.Queue's rules, so a
// session whose actions nobody reads (a demo bot) keeps running in bounded
// memory.
const maxQueuedActions = 4096

// Error texts of docs/slice.md, shown to the user.
const (
	ErrTextICEFailed   = "ICE Connection Failed: no route to peer"
	ErrTextDTLSFailed  = "DTLS Handshake Failed"
	ErrTextMediaAbsent = "Media Not Available"
)

// Config configures a Session. Signal.URL, Signal.Join and OpenMedia are
// required; the rest has defaults.
type Config struct {
	Signal    signal.ClientConfig
	OpenMedia MediaOpener
	Audio     AudioSink // optional: receives remote audio
	Video     VideoSink // optional: receives remote video

	ICEServers []webrtc.ICEServer // in addition to those the server sends
	RelayOnly  bool               // use TURN relays only
	Net        transport.Net      // optional: a simulated network for this session's sockets
	// NetworkTypes limits candidate gathering (default UDP over IPv4 and IPv6).
	NetworkTypes []webrtc.NetworkType
	// ICE timeouts (defaults 4 s, 10 s, 1 s). Keepalives also refresh the
	// round-trip time measurement, hence the short default.
	ICEDisconnectedTimeout, ICEFailedTimeout, ICEKeepalive time.Duration

	// RestartBackoff is the delay before the first ICE restart after a
	// failure; it doubles per attempt (default 1 s). MaxRestarts bounds the
	// automatic attempts (default 5).
	RestartBackoff time.Duration
	MaxRestarts    int

	// MaxSendKbps caps what is sent to each peer, audio included (0: the
	// encoder's configured video bitrate plus audio). The estimate of each
	// connection never exceeds it.
	MaxSendKbps int
	// MaxPeers bounds the peers the session keeps at once (default
	// DefaultMaxPeers); peers introduced beyond it are ignored.
	MaxPeers int

	// OnSFU, when set, makes the session a protocol v1.1 client: it is
	// called (on the session's loop: it must not block) when the server
	// moves the room to an SFU or welcomes us into a room already there.
	// Without it the session ignores both and stays on the mesh.
	OnSFU func(SFUMove)
	// OnSFUReceiving, with OnSFU, is told the peer id of each member that
	// says it now receives our media through the SFU (sfu-receiving): our
	// mesh connection to it carries nothing it still needs. It runs on
	// the session's loop and must not block.
	OnSFUReceiving func(peerID string)

	Now           func() time.Time // clock for action timestamps (default time.Now)
	Logger        *slog.Logger
	LoggerFactory logging.LoggerFactory // Pion's logs (default: into Logger)
}

func (c *Config) defaults() {
	if c.NetworkTypes == nil {
		c.NetworkTypes = []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	}
	if c.ICEDisconnectedTimeout <= 0 {
		c.ICEDisconnectedTimeout = 4 * time.Second
	}
	if c.ICEFailedTimeout <= 0 {
		c.ICEFailedTimeout = 10 * time.Second
	}
	if c.ICEKeepalive <= 0 {
		c.ICEKeepalive = time.Second
	}
	if c.RestartBackoff <= 0 {
		c.RestartBackoff = time.Second
	}
	if c.MaxRestarts <= 0 {
		c.MaxRestarts = 5
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.LoggerFactory == nil {
		c.LoggerFactory = pionLogs{c.Logger}
	}
}

// Session is one participant's membership of a call.
type Session struct {
	cfg    Config
	log    *slog.Logger
	client *signal.Client

	actions *store.Queue // to the UI, in order
	out     chan store.Action
	events  *queue[func()]         // work for the session loop
	outbox  *queue[signal.Message] // to the signaling server, in order
	sigUp   chan struct{}          // signalled when signaling (re)connects

	// switchMu serialises SetAudio, SetVideo and SetScreenShare, so the
	// switches, the media and the actions they emit change in one order.
	switchMu sync.Mutex

	mu      sync.Mutex // guards the fields below, read by Engine calls from other goroutines
	peers   map[string]*peer
	media   LocalMedia
	noMedia bool // opening the media failed: the call receives only
	audioOn bool // the local media switches: rtc owns them and emits their
	videoOn bool // actions (ToggleAudio, ToggleVideo, ToggleScreenShare)
	screen  bool
	// lowBandwidth is the low-bandwidth mode (lowbandwidth.go).
	lowBandwidth bool
	selfID       string
	closed       bool // Close was called or Run has ended
	noMesh       bool // the media moved to an SFU: no more mesh negotiation (handover.go)
	frozen       bool // told to move to an SFU: no new mesh negotiation (handover.go)

	drops dropCounters // what remote parties sent beyond a bound

	// Owned by the session loop.
	mediaReady bool
	iceServers []webrtc.ICEServer
	mediaErr   string // the media's last reported problem, cleared when its device is back

	adapt adaptation // congestion control (adapt.go)

	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup
}

// New returns a session for cfg. It does nothing until Run.
func New(cfg Config) *Session {
	cfg.defaults()
	return &Session{
		cfg:     cfg,
		log:     cfg.Logger,
		client:  signal.NewClient(cfg.Signal),
		actions: store.NewQueue(maxQueuedActions),
		out:     make(chan store.Action, 64),
		events:  newQueue[func()](),
		outbox:  newQueue[signal.Message](),
		sigUp:   make(chan struct{}, 1),
		peers:   map[string]*peer{},
		audioOn: true,
		videoOn: true,
		done:    make(chan struct{}),
	}
}

// Actions delivers every state change of the call as store actions, in
// order. It is closed when Run has returned. Read it promptly: while the
// call runs, an unread channel holds the actions back, and beyond
// maxQueuedActions new ones are merged or dropped (store.Queue). Once the
// session has ended, actions nobody takes within forwardGrace are dropped,
// so Close and Run never wait for a reader; nobody has to read Actions at
// all.
func (s *Session) Actions() <-chan store.Action { return s.out }

// emit queues an action for Actions without blocking. A peer's media
// state and error are last-writer-wins in the store, so while one is
// still queued a newer one replaces it: a flood of them takes one slot per
// peer (store.Queue has the rules).
func (s *Session) emit(a store.Action) {
	if !s.actions.Push(a) {
		s.log.Debug("action dropped: queue full or closed", "action", fmt.Sprintf("%T", a))
	}
}

// post runs fn on the session loop. Safe from any goroutine, never blocks.
func (s *Session) post(fn func()) { s.events.push(fn) }

// Run joins the room and runs the call until ctx is done, Close is called,
// or the server refuses the join. It releases everything before returning.
func (s *Session) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		close(s.out)
		return ErrClosed
	}
	s.cancel = cancel
	s.mu.Unlock()
	defer close(s.done)

	fwdDone := make(chan struct{})
	go s.forwardActions(fwdDone)

	s.emit(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingConnecting, Room: s.cfg.Signal.Join.Room, UserName: s.cfg.Signal.Join.UserName}})
	s.openMedia(ctx)
	s.watchOutput(ctx)
	s.startAdaptation(ctx)

	clientErr := make(chan error, 1)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); clientErr <- s.client.Run(ctx) }()
	go func() { defer s.wg.Done(); s.sendLoop(ctx) }()

	err := s.loop(ctx, clientErr)
	cancel()
	s.mu.Lock()
	s.closed = true // the switches refuse from now on
	s.mu.Unlock()
	s.shutdown()
	s.wg.Wait()
	s.emit(store.UpdateSignaling{Signaling: store.Signaling{Status: store.SignalingClosed, Room: s.cfg.Signal.Join.Room, UserName: s.cfg.Signal.Join.UserName}})
	s.actions.Close()
	<-fwdDone
	return err
}

// Close ends the session: Run returns after releasing everything.
func (s *Session) Close() error {
	s.mu.Lock()
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		select {
		case <-s.done:
		case <-time.After(closeTimeout):
			s.log.Error("session close timed out", "after", closeTimeout)
			return ErrCloseTimeout
		}
	}
	return nil
}

// loop is the session's single goroutine for signaling messages and
// events: peer state lives here, so it needs no locks of its own.
func (s *Session) loop(ctx context.Context, clientErr <-chan error) error {
	msgs, states := s.client.Messages(), s.client.States()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-clientErr:
			if err != nil {
				s.emit(store.SetConnectionError{Error: "signaling: " + err.Error()})
				return fmt.Errorf("signaling: %w", err)
			}
			return nil
		case m, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			s.handleMessage(ctx, m)
		case st, ok := <-states:
			if !ok {
				states = nil
				continue
			}
			s.handleClientState(st)
		case <-s.events.notify:
			for _, fn := range s.events.drain() {
				fn()
			}
		}
	}
}

// forwardActions moves queued actions to the Actions channel, in order,
// until the queue is closed and empty or forwardGrace after that, and
// closes the channel.
func (s *Session) forwardActions(done chan<- struct{}) {
	defer close(done)
	if n := s.actions.Forward(s.out, forwardGrace); n > 0 {
		s.log.Debug("actions dropped at close: nobody read them", "count", n)
	}
}

// sendLoop writes queued signaling messages in order, waiting out
// signaling outages instead of dropping what was queued.
func (s *Session) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.outbox.notify:
		}
		for _, m := range s.outbox.drain() {
			for {
				err := s.client.Send(ctx, m)
				if err == nil || !errors.Is(err, signal.ErrNotConnected) {
					if err != nil {
						s.log.Warn("signaling send failed", "type", m.MessageType(), "err", err)
					}
					break
				}
				select {
				case <-ctx.Done():
					return
				case <-s.sigUp:
				case <-time.After(time.Second):
				}
			}
		}
	}
}

// send queues a message for the server.
func (s *Session) send(m signal.Message) { s.outbox.push(m) }

func (s *Session) now() time.Time { return s.cfg.Now() }

// handleClientState reports the signaling connection's state.
func (s *Session) handleClientState(st signal.ClientState) {
	sig := store.Signaling{Room: s.cfg.Signal.Join.Room, UserName: s.cfg.Signal.Join.UserName, PeerID: s.selfPeerID(), Attempt: st.Attempt}
	switch st.Status {
	case signal.ClientConnecting:
		sig.Status = store.SignalingConnecting
	case signal.ClientConnected:
		sig.Status = store.SignalingConnected
		select {
		case s.sigUp <- struct{}{}:
		default:
		}
	case signal.ClientReconnecting:
		sig.Status = store.SignalingReconnecting
	case signal.ClientClosed:
		sig.Status = store.SignalingClosed
	}
	if st.Err != nil {
		sig.Error = st.Err.Error()
	}
	s.emit(store.UpdateSignaling{Signaling: sig})
}

func (s *Session) selfPeerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selfID
}

// openMedia starts capture in the background (initializeMedia); offers that
// arrive before it finishes are held as pending.
func (s *Session) openMedia(ctx context.Context) {
	s.emit(store.InitializeMediaPending{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m, err := s.cfg.OpenMedia(ctx)
		s.post(func() { s.mediaOpened(ctx, m, err) })
	}()
}

func (s *Session) mediaOpened(ctx context.Context, m LocalMedia, err error) {
	if err != nil || m == nil {
		if err == nil {
			err = errors.New("no media")
		}
		s.mu.Lock()
		s.noMedia = true // before the action: whoever sees it sees ErrNoMedia
		s.mu.Unlock()
		s.emit(store.InitializeMediaRejected{Error: fmt.Sprintf("%s: %v (receiving only)", ErrTextMediaAbsent, err)})
		if ctx.Err() != nil {
			return
		}
		// The call goes on without local media: receive only.
		s.mediaReady = true
		if s.selfPeerID() != "" && !s.meshLeft() {
			s.announceReady()
		}
		s.answerPendingOffers()
		return
	}
	if ctx.Err() != nil {
		_ = m.Close()
		return
	}
	s.mu.Lock()
	s.media = m
	m.SetAudioEnabled(s.audioOn)
	m.SetVideoEnabled(s.videoOn)
	s.mu.Unlock()
	s.mediaReady = true
	s.emit(store.InitializeMediaFulfilled{Stream: m.Description()})
	if events := m.Events(); events != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for ev := range events { // ends when shutdown closes the media
				s.post(func() { s.mediaEvent(ev) })
			}
		}()
	}
	if self := s.selfPeerID(); self != "" {
		s.sendMediaState() // the welcome's announcement predates the media
		if !s.meshLeft() {
			s.announceReady()
		}
	}
	s.answerPendingOffers()
}

// mediaEvent reports a change the media made on its own, such as falling
// back to the test pattern when the camera vanished ("Stream Ended"), or
// the end of a screen share whose capture failed: the screen switch is
// rtc's, so rtc records it.
func (s *Session) mediaEvent(ev store.MediaEvent) {
	s.emit(store.InitializeLocalStream{Stream: ev.Stream})
	if ev.Err != nil {
		s.mediaErr = ev.Err.Error()
		s.emit(store.SetConnectionError{Error: s.mediaErr})
	}
	if ev.Kind == store.MediaDeviceRestored && s.mediaErr != "" {
		// The device that was gone is back: its error no longer holds.
		s.mediaErr = ""
		s.emit(store.SetConnectionError{})
	}
	if ev.Kind == store.MediaScreenShareEnded {
		s.mu.Lock()
		s.screen = false
		s.mu.Unlock()
		s.emit(store.ToggleScreenShare{Enabled: false})
	}
	s.sendMediaState()
}

// shutdown closes every peer connection, then the media, in the order that
// keeps Pion from hanging (connections before tracks).
func (s *Session) shutdown() {
	s.mu.Lock()
	peers := s.peers
	s.peers = map[string]*peer{}
	media := s.media
	s.media = nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range peers {
		if p.restartTimer != nil {
			p.restartTimer.Stop()
		}
		wg.Add(1)
		p.closeVideo()
		go func() { defer wg.Done(); p.close(p.pc) }()
	}
	wg.Wait()
	for id := range peers {
		s.forgetSinks(id)
	}
	if media != nil {
		if err := media.Close(); err != nil {
			s.log.Warn("closing media", "err", err)
		}
	}
	// Leave is sent by the signaling client as it closes.
	_ = s.client.Close()
}

func (s *Session) forgetSinks(peerID string) {
	if s.cfg.Audio != nil {
		s.cfg.Audio.RemovePeer(peerID)
	}
	if s.cfg.Video != nil {
		s.cfg.Video.RemovePeer(peerID)
	}
}
