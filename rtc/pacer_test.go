package rtc

import (
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// recordingWriter stands for the rest of the interceptor chain.
type recordingWriter struct {
	mu    sync.Mutex
	bytes map[uint32]int
	times map[uint32][]time.Time
	twcc  []uint16 // transport-wide sequence numbers in the order written
}

func newRecordingWriter() *recordingWriter {
	return &recordingWriter{bytes: map[uint32]int{}, times: map[uint32][]time.Time{}}
}

func (w *recordingWriter) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := h.MarshalSize() + len(payload)
	w.bytes[h.SSRC] += n
	w.times[h.SSRC] = append(w.times[h.SSRC], time.Now())
	if ext := h.GetExtension(testTWCCID); ext != nil {
		var tcc rtp.TransportCCExtension
		if err := tcc.Unmarshal(ext); err == nil {
			w.twcc = append(w.twcc, tcc.TransportSequence)
		}
	}
	return n, nil
}

func (w *recordingWriter) sent(ssrc uint32) (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes[ssrc], len(w.times[ssrc])
}

// fakeResend counts the NACK responder's bookkeeping.
type fakeResend struct {
	mu             sync.Mutex
	owners, sent   int
	releasedUnsent int
}

func (r *fakeResend) Retain() { r.mu.Lock(); r.owners++; r.mu.Unlock() }
func (r *fakeResend) Release(sent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.owners--
	if sent {
		r.sent++
	} else {
		r.releasedUnsent++
	}
}

type resendKey struct{}

const (
	testAudioSSRC = 1
	testVideoSSRC = 2
	testTWCCID    = 5
)

func newTestPacer(bps int) (*pacer, *recordingWriter) {
	p := newPacer(bps, time.Now)
	w := newRecordingWriter()
	p.AddStream(testAudioSSRC, w)
	p.AddStream(testVideoSSRC, w)
	p.setStream(testAudioSSRC, true, testTWCCID)
	p.setStream(testVideoSSRC, false, testTWCCID)
	return p, w
}

// TestPacerBoundsItsQueue: an encoder writing four times the estimate
// never makes the queue longer than its bound; the excess is dropped, what
// goes out follows the pacing rate, and audio passes at once.
func TestPacerBoundsItsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bps = 200_000
		p, w := newTestPacer(bps)
		payload := make([]byte, 1000)
		var seq uint16
		start := time.Now()
		maxQueued := 0
		// 4 s of 800 kbps video in 10 ms bursts, with 20 ms audio.
		for i := range 400 {
			for range 1 {
				seq++
				_, _ = p.Write(&rtp.Header{SSRC: testVideoSSRC, SequenceNumber: seq}, payload, nil)
			}
			if i%2 == 0 {
				before, _ := w.sent(testAudioSSRC)
				_, _ = p.Write(&rtp.Header{SSRC: testAudioSSRC, SequenceNumber: uint16(i)}, make([]byte, 100), nil)
				if after, _ := w.sent(testAudioSSRC); after == before {
					t.Fatalf("audio packet %d was held back", i/2)
				}
			}
			maxQueued = max(maxQueued, p.Stats().QueuedBytes)
			time.Sleep(10 * time.Millisecond)
		}
		elapsed := time.Since(start)
		st := p.Stats()
		limit := max(int(bps*pacingFactor/8*maxQueueDelay.Seconds()), minQueueBytes)
		if maxQueued > limit {
			t.Errorf("queue reached %d bytes, bound %d", maxQueued, limit)
		}
		if st.DroppedPackets == 0 {
			t.Errorf("no video dropped although 4× the rate was offered")
		}
		// The queue drains at the pacing rate less what audio takes.
		drain := bps*pacingFactor/8 - 112.0/0.020
		if most := time.Duration(float64(limit) / drain * float64(time.Second)); st.MaxQueueDelay > most+20*time.Millisecond {
			t.Errorf("a packet waited %v in the pacer, bound %v", st.MaxQueueDelay, most)
		}
		videoBytes, _ := w.sent(testVideoSSRC)
		audioBytes, _ := w.sent(testAudioSSRC)
		kbps := float64(videoBytes+audioBytes) * 8 / elapsed.Seconds() / 1000
		want := bps * pacingFactor / 1000
		if kbps > want*1.1 || kbps < want*0.8 {
			t.Errorf("sent %.0f kbps, want about the pacing rate %.0f kbps", kbps, want)
		}
		// Numbers are given as packets leave: gap-free and in order, so
		// what the pacer drops never looks like network loss.
		w.mu.Lock()
		for i, s := range w.twcc {
			if s != uint16(i) {
				t.Fatalf("packet %d left with transport sequence %d", i, s)
			}
		}
		if int(st.SentPackets) != len(w.twcc) {
			t.Errorf("%d packets sent, %d numbered", st.SentPackets, len(w.twcc))
		}
		w.mu.Unlock()
		t.Logf("sent %.0f kbps, max queue %d B (bound %d), dropped %d, longest wait %v", kbps, maxQueued, limit, st.DroppedPackets, st.MaxQueueDelay)
		_ = p.Close()
	})
}

// TestPacerCapsRetransmissions: resends beyond their share of the estimate
// are refused, and every accepted one is retained and released as sent.
func TestPacerCapsRetransmissions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bps = 400_000
		p, w := newTestPacer(bps)
		payload := make([]byte, 1100)
		var handles []*fakeResend
		start := time.Now()
		for i := range 200 { // 10 resends every 10 ms: ~9 Mbps of NACKed packets
			for range 10 {
				r := &fakeResend{owners: 1}
				handles = append(handles, r)
				_, _ = p.Write(&rtp.Header{SSRC: testVideoSSRC, SequenceNumber: uint16(i)}, payload, interceptor.Attributes{resendKey{}: r})
				r.Release(true) // what the responder does after Write returns
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second) // drain
		elapsed := time.Since(start)
		resent, _ := w.sent(testVideoSSRC)
		kbps := float64(resent) * 8 / elapsed.Seconds() / 1000
		budget := float64(bps) * resendShare / 1000
		if kbps > budget*1.2 {
			t.Errorf("resent %.0f kbps, share is %.0f kbps", kbps, budget)
		}
		if kbps < budget*0.5 {
			t.Errorf("resent only %.0f kbps of a %.0f kbps share", kbps, budget)
		}
		st := p.Stats()
		if st.ResendsRefused == 0 {
			t.Error("no resend refused")
		}
		for i, r := range handles {
			if r.owners != 0 {
				t.Fatalf("resend %d: %d owners left", i, r.owners)
			}
		}
		t.Logf("resent %.0f kbps (share %.0f), refused %d of %d", kbps, budget, st.ResendsRefused, len(handles))
		_ = p.Close()
	})
}

// TestOfferCarriesTransportCC: the SDP offers transport-cc feedback and the
// transport-wide sequence number extension, so peers run congestion control
// toward us and we get the feedback our estimate needs.
func TestOfferCarriesTransportCC(t *testing.T) {
	s := New(Config{Logger: discardLogger()})
	api, err := s.newAPI(func(stats.Getter) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	m := newFakeMedia()
	defer func() { _ = m.Close() }()
	for _, tr := range []webrtc.TrackLocal{m.AudioTrack(), m.VideoTrack()} {
		if _, err := pc.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"a=rtcp-fb:96 transport-cc",
		"a=rtcp-fb:111 transport-cc",
		"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
	} {
		if !strings.Contains(offer.SDP, want) {
			t.Errorf("offer lacks %q:\n%s", want, offer.SDP)
		}
	}
	if n := strings.Count(offer.SDP, "transport-wide-cc-extensions-01"); n != 2 {
		t.Errorf("transport-wide-cc extmap in %d m-sections, want 2 (audio and video)", n)
	}
}
