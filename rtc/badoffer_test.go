package rtc

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/signal"
)

// rawPeer is a hostile participant: a bare Pion PeerConnection behind a
// signaling client of its own, through the real server, so the test can
// send whatever it likes as its offers. It offers to whoever asks
// (ready-for-offer), sends fake media, trickles its candidates and
// applies answers.
type rawPeer struct {
	t      testing.TB
	client *signal.Client
	pc     *webrtc.PeerConnection
	media  *fakeMedia
	ctx    context.Context
	remote chan string // the id of the peer that asked for an offer
	mu     sync.Mutex
	to     string
}

func startRawPeer(t testing.TB, url, room string) *rawPeer {
	t.Helper()
	return startRawPeerWith(t, url, room, webrtc.NewAPI(webrtc.WithSettingEngine(loopbackSettings())))
}

// loopbackSettings let a bare Pion peer connect where the suite runs: a
// network namespace with nothing but loopback, which Pion skips by default.
func loopbackSettings() webrtc.SettingEngine {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return se
}

// startRawPeerWith is startRawPeer on a Pion API of the test's making.
func startRawPeerWith(t testing.TB, url, room string, api *webrtc.API) *rawPeer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rawPeer{t: t, client: signal.NewClient(signal.ClientConfig{URL: url, Join: signal.Join{Room: room, UserName: "raw"}}), pc: pc, media: newFakeMedia(), ctx: ctx, remote: make(chan string, 1)}
	for _, tr := range []webrtc.TrackLocal{r.media.audio, r.media.video} {
		if _, err := pc.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		r.send(&signal.ICECandidate{To: r.peer(), Candidate: signal.CandidateInit{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex}})
	})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = r.client.Run(ctx) }()
	go func() {
		defer wg.Done()
		for m := range r.client.Messages() {
			switch m := m.(type) {
			case *signal.ReadyForOffer:
				r.mu.Lock()
				r.to = m.From
				r.mu.Unlock()
				select {
				case r.remote <- m.From:
				default:
				}
			case *signal.Answer:
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
					t.Logf("raw peer: answer refused: %v", err)
				}
			case *signal.ICECandidate:
				_ = pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: m.Candidate.Candidate, SDPMid: m.Candidate.SDPMid, SDPMLineIndex: m.Candidate.SDPMLineIndex})
			}
		}
	}()
	t.Cleanup(func() {
		_ = r.client.Close()
		cancel()
		wg.Wait()
		_ = pc.Close()
		_ = r.media.Close()
	})
	return r
}

func (r *rawPeer) peer() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.to
}

func (r *rawPeer) send(m signal.Message) {
	if err := r.client.Send(r.ctx, m); err != nil {
		r.t.Logf("raw peer: send %s: %v", m.MessageType(), err)
	}
}

// offer makes a real offer (an ICE restart when asked), sets it locally
// and sends it.
func (r *rawPeer) offer(iceRestart bool) {
	o, err := r.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.pc.SetLocalDescription(o); err != nil {
		r.t.Fatal(err)
	}
	r.send(&signal.Offer{To: r.peer(), SDP: o.SDP})
}

// badOffers are malformed renegotiation offers made from a good one: each
// parses as SDP but is refused by Pion after it changed the signaling
// state (the "stuck in have-remote-offer").
var badOffers = map[string]func(string, string) string{
	"no mid":       regexp.MustCompile(`(?m)^a=mid:.*\r\n`).ReplaceAllLiteralString,
	"no ice-ufrag": regexp.MustCompile(`(?m)^a=ice-ufrag:.*\r\n`).ReplaceAllLiteralString,
	"no ice-pwd":   regexp.MustCompile(`(?m)^a=ice-pwd:.*\r\n`).ReplaceAllLiteralString,
	"bad candidates": func(sdp, _ string) string {
		return regexp.MustCompile(`(?m)^a=candidate:.*\r\n`).ReplaceAllLiteralString(sdp, "a=candidate:1 1 udp 1 not-an-address 9 typ host\r\n")
	},
}

// TestBadOfferThenRestartRestoresMedia (issue 15 row 7): a peer sends one
// malformed offer mid-call, then a good ICE-restart offer; the session
// must answer the good one so media flows again.
func TestBadOfferThenRestartRestoresMedia(t *testing.T) {
	for name, mangle := range badOffers {
		t.Run(name, func(t *testing.T) {
			url := startServer(t)
			raw := startRawPeer(t, url, "bad")
			waitFor(t, 10*time.Second, "raw peer joined", func() bool { return raw.client.PeerID() != "" })
			m := hostileMember(t, url, func(c *Config) { c.Signal.Join.Room = "bad" })
			select {
			case <-raw.remote:
			case <-time.After(20 * time.Second):
				t.Fatal("no ready-for-offer from the session")
			}
			raw.offer(false)
			var p *peer
			waitFor(t, 20*time.Second, "media from the raw peer", func() bool {
				p = m.s.peerByID(raw.client.PeerID())
				return p != nil && p.frames.Load() > 10
			})

			bad := mangle(raw.pc.LocalDescription().SDP, "")
			raw.send(&signal.Offer{To: raw.peer(), SDP: bad})
			waitFor(t, 10*time.Second, "the bad offer refused", func() bool {
				return m.snapshot().Connections[raw.client.PeerID()].Error != ""
			})
			t.Logf("refused: %s", m.snapshot().Connections[raw.client.PeerID()].Error)
			raw.offer(true)
			before := p.frames.Load()
			waitFor(t, 20*time.Second, "media back after the ICE restart", func() bool {
				return m.s.peerByID(raw.client.PeerID()) == p && p.frames.Load() > before+30 && raw.pc.SignalingState() == webrtc.SignalingStateStable
			})
			waitFor(t, 10*time.Second, "the refusal's error cleared", func() bool {
				return m.snapshot().Connections[raw.client.PeerID()].Error == ""
			})
		})
	}
}

// TestRefusedOfferReplacesConnection (issue 15 row 7, the fallback): an
// offer that passes checkOffer but that Pion refuses after leaving stable
// (a malformed extmap) makes the session replace its connection and ask
// for a new offer; the fingerprint of the fresh connection tells the
// rtcterm offerer to start afresh too, and media flows again both ways.
func TestRefusedOfferReplacesConnection(t *testing.T) {
	url := startServer(t)
	ma, mb := newFakeMedia(), newFakeMedia()
	a := startMember(t, testConfig(url, "refused", "A", ma), ma)
	waitFor(t, 10*time.Second, "A joined", func() bool { return peerIDOf(a) != "" })
	b := startMember(t, testConfig(url, "refused", "B", mb), mb)
	waitFor(t, 20*time.Second, "connected", allConnected([]*member{a, b}))
	idA, idB := peerIDOf(a), peerIDOf(b)
	pa, pb := a.s.peerByID(idB), b.s.peerByID(idA)
	waitFor(t, 10*time.Second, "media both ways", func() bool { return pa.frames.Load() > 10 && pb.frames.Load() > 10 })

	// A offers in this pair (B joined last and asked); B is handed an
	// offer from A that Pion refuses only after moving to have-remote-offer.
	done := make(chan string, 1)
	b.s.post(func() {
		good := pb.pc.CurrentRemoteDescription().SDP
		bad := strings.Replace(good, "\r\na=mid:", "\r\na=extmap:zzz urn:x\r\na=mid:", 1)
		if err := checkOffer(bad); err != nil {
			done <- "checkOffer refused it: " + err.Error()
			return
		}
		before := pb.pc
		b.s.offerReceived(idA, bad)
		if pb.pc == before {
			done <- "the connection was kept"
			return
		}
		done <- ""
	})
	if msg := <-done; msg != "" {
		t.Fatal(msg)
	}
	fa, fb := pa.frames.Load(), pb.frames.Load()
	waitFor(t, 20*time.Second, "media back both ways", func() bool {
		return pa.frames.Load() > fa+30 && pb.frames.Load() > fb+30
	})
	// Both ends show the pair connected, not closed (final in the store).
	waitFor(t, 10*time.Second, "connected in both stores", allConnected([]*member{a, b}))
}
