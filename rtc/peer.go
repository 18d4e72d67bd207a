package rtc

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// peer is everything the session keeps for one remote participant. Fields
// without a comment are owned by the session loop.
type peer struct {
	id       string
	userID   string
	userName string

	pc         *webrtc.PeerConnection
	offerer    bool // we make the offers in this pair (fixed for the pair's life)
	remoteSet  bool // remote description applied: candidates can be added
	candidates []webrtc.ICECandidateInit
	// remoteCandidates counts the candidates taken (buffered or added)
	// since the last remote description, for maxRemoteCandidates.
	remoteCandidates int
	sdpSent          bool   // our description of this connection went out: trickle what gathers later
	pendingOffer     string // offer SDP held until local media is ready
	offerRefused     bool   // the last offer was refused; its error shows until one is answered
	lastStatus       store.Status
	everUp           bool
	restarts         int
	restartTimer     *time.Timer

	iceUp     atomic.Bool                  // ICE got through at least once (tells DTLS failures apart)
	wantsLow  atomic.Bool                  // the peer asked for little (its low-bandwidth mode)
	up        atomic.Bool                  // connected now (lastStatus, readable off the loop)
	getter    atomic.Pointer[stats.Getter] // the connection's RTP stats
	bwe       atomic.Pointer[estimator]    // the connection's send-side estimate
	video     atomic.Pointer[peerVideo]    // the connection's own video track (layered media)
	send      atomic.Pointer[peerSend]     // the layer and target sent (layered media)
	layerPick atomic.Int32                 // the layer last chosen + 1; 0: none yet
	frames    atomic.Uint64                // video frames received
	rtpExp    atomic.Uint64                // RTP packets the network should have delivered
	rtpLost   atomic.Uint64                // of which never arrived the first time
	videoSSRC atomic.Uint32                // SSRC of the received video, for PLIs
	width     atomic.Uint32                // received video size, from key frames
	height    atomic.Uint32

	mu        sync.Mutex              // guards the stats baseline, the SSRC lists and plis
	plis      mediacodec.KeyFrameGate // picture-loss requests sent to this peer
	inSSRCs   []uint32
	outSSRCs  []uint32
	baseline  counters
	codecs    map[string]string // kind → codec name
	closeOnce sync.Once
}

// counters are cumulative totals at one stats sample, for deltas.
type counters struct {
	at          time.Time
	recvBytes   uint64
	sentBytes   uint64
	rtpExpected uint64
	rtpLost     uint64
	frames      uint64
	valid       bool
}

// close shuts the peer connection. Safe to call more than once, from any
// goroutine once the loop has let go of the peer.
func (p *peer) close(pc *webrtc.PeerConnection) {
	p.closeOnce.Do(func() {
		if pc != nil {
			_ = pc.Close()
		}
	})
}

// setPC replaces a peer's connection. Only the loop writes p.pc; the lock
// is for the Engine calls that read it from other goroutines.
func (s *Session) setPC(p *peer, pc *webrtc.PeerConnection) {
	s.mu.Lock()
	p.pc = pc
	s.mu.Unlock()
}

// peerByID returns the peer with this id, if any, for Engine calls made
// from other goroutines.
func (s *Session) peerByID(id string) *peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peers[id]
}

// ensurePeer returns the peer with this id, adding it (and telling the
// store) when it is new. Only a welcome or a peer-joined introduces a
// peer. Beyond Config.MaxPeers known peers a new one is refused (counted,
// logged once) and ensurePeer returns nil.
func (s *Session) ensurePeer(id, userID, userName string) *peer {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	p, ok := s.peers[id]
	full := !ok && len(s.peers) >= s.cfg.MaxPeers
	if !ok && !full {
		p = &peer{id: id, userID: userID, userName: userName, lastStatus: store.StatusConnecting, codecs: map[string]string{}, plis: mediacodec.KeyFrameGate{MinGap: pliMinGap}}
		s.peers[id] = p
	}
	s.mu.Unlock()
	switch {
	case full:
		if countFirst(&s.drops.peersOverCap) {
			s.log.Warn("peer ignored: the session is at its peer cap", "peer", id, "max", s.cfg.MaxPeers)
		}
	case !ok:
		s.emit(store.AddPeerConnection{PeerID: id, UserID: userID, UserName: userName, At: s.now()})
	}
	return p
}

// introducedPeer returns the peer a negotiation message comes from, or nil
// when no welcome or peer-joined introduced it: a server that names peers
// it never announced must not make the session build connections for them.
func (s *Session) introducedPeer(from string, what string) *peer {
	p := s.peerByID(from)
	if p == nil && from != "" {
		if countFirst(&s.drops.unknownPeers) {
			s.log.Warn("message from a peer never introduced ignored", "type", what, "peer", from)
		}
	}
	return p
}

// removePeer closes and forgets a peer (peer-left).
func (s *Session) removePeer(id string) {
	s.mu.Lock()
	p, ok := s.peers[id]
	delete(s.peers, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	if p.restartTimer != nil {
		p.restartTimer.Stop()
		p.restartTimer = nil
	}
	p.closeVideo()
	go p.close(p.pc) // closing waits for DTLS; the loop must not
	s.forgetSinks(id)
	s.emit(store.RemovePeerConnection{PeerID: id})
}

// newPeerConnection creates the Pion connection for p with the local
// tracks attached (when offerer) and every handler registered.
func (s *Session) newPeerConnection(p *peer) error {
	api, err := s.newAPI(func(g stats.Getter) { p.getter.Store(&g) }, p.bwe.Store)
	if err != nil {
		return err
	}
	conf := webrtc.Configuration{ICEServers: s.allICEServers()}
	if s.cfg.RelayOnly {
		conf.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(conf)
	if err != nil {
		return err
	}
	s.setPC(p, pc)
	p.remoteSet = false
	id := p.id
	// Register before SetLocalDescription: gathering starts there.
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return // gathering finished
		}
		init := c.ToJSON()
		msg := &signal.ICECandidate{To: id, Candidate: signal.CandidateInit{
			Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment,
		}}
		s.post(func() {
			// A candidate gathered before our description went out is in
			// that description (see sendDescription); only later ones
			// trickle.
			if p.pc == pc && p.sdpSent {
				s.send(msg)
			}
		})
	})
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) {
		// Handlers run in their own goroutines and can arrive out of
		// order, so the loop reads the current state instead.
		s.post(func() { s.connectionStateChanged(p, pc) })
	})
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		// Pion calls this synchronously, before DTLS starts, so the flag is
		// set before any DTLS failure can be reported.
		if st == webrtc.ICEConnectionStateConnected || st == webrtc.ICEConnectionStateCompleted {
			p.iceUp.Store(true)
			s.post(func() {
				if p.everUp { // an ICE restart completed: DTLS is already up
					s.keyFrameForNewReceiver(p)
				}
			})
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) { s.receiveTrack(p, pc, t, r) })
	return nil
}

// addLocalTracks attaches the session's two tracks to pc and reads each
// sender's RTCP, turning picture-loss reports into key frames.
func (s *Session) addLocalTracks(p *peer) error {
	s.mu.Lock()
	media := s.media
	s.mu.Unlock()
	if media == nil {
		// No local media at all: receive only. An answerer needs nothing;
		// the offer it answers already has the transceivers.
		if !p.offerer {
			return nil
		}
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if _, err := p.pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				return err
			}
		}
		return nil
	}
	video := webrtc.TrackLocal(media.VideoTrack())
	keyFrame := media.RequestKeyFrame
	if lm, ok := media.(LayeredMedia); ok {
		// A track of its own, fed with the layer this peer's link fits.
		pv, err := newPeerVideo(lm, p.firstLayer(s.lowBandwidthOn()), time.Now())
		if err != nil {
			return err
		}
		if old := p.video.Swap(pv); old != nil {
			old.close()
		}
		video, keyFrame = pv.track, pv.requestKeyFrame
	}
	for _, track := range []webrtc.TrackLocal{media.AudioTrack(), video} {
		sender, err := p.pc.AddTrack(track)
		if err != nil {
			return err
		}
		for _, enc := range sender.GetParameters().Encodings {
			p.mu.Lock()
			p.outSSRCs = append(p.outSSRCs, uint32(enc.SSRC))
			p.mu.Unlock()
		}
		if track == video {
			go s.readSenderRTCP(sender, keyFrame)
		} else {
			go s.readSenderRTCP(sender, media.RequestKeyFrame)
		}
	}
	return nil
}

// firstLayer is the layer a new connection of p starts on: the one last
// chosen for p, else the low layer (the estimate starts at
// initialEstimateKbps, which fits it; the ladder moves the peer up as the
// estimate grows, without dragging the high layer down for the others).
func (p *peer) firstLayer(ourLow bool) mediacodec.Layer {
	if l := mediacodec.Layer(p.layerPick.Load() - 1); l >= 0 && !ourLow {
		return l
	}
	return mediacodec.LayerLow
}

// closeVideo stops feeding p's video track (the connection is going).
func (p *peer) closeVideo() {
	if pv := p.video.Swap(nil); pv != nil {
		pv.close()
	}
}

func (s *Session) allICEServers() []webrtc.ICEServer {
	out := append([]webrtc.ICEServer(nil), s.cfg.ICEServers...)
	return append(out, s.iceServers...)
}
