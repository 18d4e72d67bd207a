package rtc

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// runPosted runs what was posted to the session loop until an offer is
// queued for the server or the deadline passes, and returns the offers.
func runPosted(t *testing.T, s *Session) []*signal.Offer {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var offers []*signal.Offer
	for len(offers) == 0 && time.Now().Before(deadline) {
		for _, fn := range s.events.drain() {
			fn()
		}
		for _, m := range s.outbox.drain() {
			if o, ok := m.(*signal.Offer); ok {
				offers = append(offers, o)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return offers
}

// TestUnansweredOfferIsResentOrRestarted: Pion refuses a second local
// offer on a connection whose offer is unanswered (have-local-offer →
// SetLocal(offer)), which used to surface as a raw InvalidModificationError.
// A plain re-offer sends the pending offer again; an ICE restart starts the
// pair over on a fresh connection. Neither reports an error.
func TestUnansweredOfferIsResentOrRestarted(t *testing.T) {
	s := New(testConfig("ws://127.0.0.1:1/ws", "r", "A", nil))
	defer s.shutdown()
	p := s.ensurePeer("peer-b", "", "B")
	s.offerAfresh(p)
	first := runPosted(t, s)
	if len(first) != 1 || p.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		t.Fatalf("first offer: %d sent, state %v", len(first), p.pc.SignalingState())
	}
	pc := p.pc
	s.makeOffer(p, false)
	again := runPosted(t, s)
	if len(again) != 1 || again[0].SDP != first[0].SDP || p.pc != pc {
		t.Fatalf("re-offer: %d sent, same SDP %v, same connection %v", len(again), len(again) == 1 && again[0].SDP == first[0].SDP, p.pc == pc)
	}
	s.makeOffer(p, true)
	restart := runPosted(t, s)
	if len(restart) != 1 || p.pc == pc || !p.offerer || restart[0].SDP == first[0].SDP {
		t.Fatalf("restart: %d sent, new connection %v, offerer %v", len(restart), p.pc != pc, p.offerer)
	}
	items, _ := s.actions.Take()
	for _, a := range items {
		if e, ok := a.(store.SetConnectionError); ok && e.Error != "" {
			t.Errorf("reported %q", e.Error)
		}
	}
}
