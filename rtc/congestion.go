package rtc

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

var (
	errPacerClosed = errors.New("rtc: pacer closed")
	errUnknownSSRC = errors.New("rtc: pacer: unknown stream")
)

// Bounds of the send-side estimate. gcc starts at 10 kbps without options,
// which would pause video for the first seconds of every call.
const (
	initialEstimateKbps = 300
	minEstimateKbps     = 30
	// audioReserveKbps is what Opus needs on the wire: ~40 kbps of payload
	// and ~20 kbps of RTP/SRTP/UDP/IP headers at 50 packets per second.
	audioReserveKbps = 60
	// audioPayloadKbps is Opus's payload alone, in the units of gcc's
	// estimate.
	audioPayloadKbps = 60
	// defaultMaxVideoKbps is the video ceiling when neither the config nor
	// the media says otherwise (devices' default encoder bitrate).
	defaultMaxVideoKbps = 800
)

// estimateBounds returns gcc's initial, min and max in bits per second for
// a video ceiling of maxVideoKbps.
func estimateBounds(maxVideoKbps int) (initial, lo, hi int) {
	hi = (maxVideoKbps + audioReserveKbps) * 1100 // +10 % headers and retransmissions
	initial = min(initialEstimateKbps*1000, hi)
	return initial, minEstimateKbps * 1000, hi
}

// estimator is one peer connection's send-side bandwidth estimate: Pion's
// GCC, sending through rtcterm's bounded pacer, which it tells which
// streams carry audio.
type estimator struct {
	*gcc.SendSideBWE
	pacer *pacer

	hiKbps int // the estimate's ceiling

	mu      sync.Mutex // guards the send-rate window and the raised estimate
	window  [sendRateSamples]rateSample
	next    int
	lastAt  time.Time
	lastGCC int          // gcc's estimate at the last update, kbps
	raised  int          // see raise; kbps
	usable  atomic.Int64 // kbps, see update; 0 until measured
}

// gcc raises its estimate by 8 %/s at most, and near the rate of its last
// decrease by about half a packet per round trip, which is slower the
// smaller the stream. Two streams sharing a bottleneck are cut by the same
// factor on the same overuse, so with those increases the one that fell
// low stays low (measured on real sockets: one side paused for a whole
// call while the other filled the link). The estimate rtcterm uses is
// gcc's raised by at least recoverKbpsPerSecond since gcc last fell (the
// same for every stream: additive increase, so shares converge), up to
// recoverCap× gcc's (the pacer sends at pacingFactor× gcc's) and
// recoverMaxKbps above it (the margin matters only for small streams; a
// larger one would only deepen the queue at the top of each sawtooth).
const (
	recoverKbpsPerSecond = 20
	recoverCap           = 1.4
	recoverMaxKbps       = 40
	// gccFallFactor: gcc's estimate below this share of its previous
	// reading is a decrease (overuse or loss), which is followed at once.
	gccFallFactor = 0.97
)

// raise returns the estimate to use given the previous one, gcc's
// previous and current estimates and the time between them (all kbps).
func raise(prev, lastGCC, gcc, hi int, dt time.Duration) int {
	if prev <= 0 || float64(gcc) < gccFallFactor*float64(lastGCC) {
		return gcc
	}
	r := max(gcc, prev+int(recoverKbpsPerSecond*dt.Seconds()))
	return min(r, int(recoverCap*float64(gcc)), gcc+recoverMaxKbps, max(hi, gcc))
}

// An estimate is only evidence up to what was sent: gcc keeps raising it
// while we send less (video paused, a static picture), so the usable
// estimate is at most appLimitFactor times the rate sent over the last
// second (at least appLimitFloorKbps, so a quiet start can still grow).
const (
	appLimitFactor    = 1.5
	appLimitFloorKbps = 100
	sendRateSamples   = 5 // one second of adaptInterval samples
)

type rateSample struct {
	at    time.Time
	bytes uint64
}

// update samples what the pacer sent and recomputes the usable estimate.
// The adaptation loop calls it every adaptInterval.
func (e *estimator) update(now time.Time) linkView {
	// Payload bytes: gcc's rates count payload only, and the comparison
	// in limitKbps needs one unit (headers are ~40 % of an audio packet).
	sent := e.pacer.Stats().SentPayloadBytes
	e.mu.Lock()
	oldest := e.window[e.next] // the sample a second ago (zero at first)
	e.window[e.next] = rateSample{at: now, bytes: sent}
	e.next = (e.next + 1) % sendRateSamples
	g := e.GetTargetBitrate() / 1000
	var dt time.Duration
	if !e.lastAt.IsZero() {
		dt = max(now.Sub(e.lastAt), 0)
	}
	fell := e.lastGCC > 0 && float64(g) < gccFallFactor*float64(e.lastGCC)
	e.raised = raise(e.raised, e.lastGCC, g, e.hiKbps, dt)
	e.lastAt, e.lastGCC = now, g
	v := linkView{EstimateKbps: e.raised, GCCKbps: g, Fell: fell, DelayRising: delayRising(e.GetStats())}
	e.mu.Unlock()
	v.UsableKbps = v.EstimateKbps
	if !oldest.at.IsZero() && now.After(oldest.at) && sent >= oldest.bytes {
		v.SentKbps = int(float64(sent-oldest.bytes) * 8 / 1000 / now.Sub(oldest.at).Seconds())
		v.Measured = true
		v.UsableKbps = min(v.EstimateKbps, max(int(float64(v.SentKbps)*appLimitFactor), appLimitFloorKbps))
	}
	e.usable.Store(int64(v.UsableKbps))
	return v
}

// delayRising reports, from gcc's statistics, that its delay trend is past
// half its overuse threshold: the bottleneck's queue is growing. gcc acts
// only at the threshold, which on a 20 ms path comes when the queue has
// reached 100–200 ms; not increasing from half of it keeps the sawtooth's
// peaks lower.
func delayRising(st map[string]any) bool {
	est, ok1 := st["delayEstimate"].(float64)
	thr, ok2 := st["delayThreshold"].(float64)
	return ok1 && ok2 && thr > 0 && est > thr/2
}

// linkView is one connection's estimate as the adaptation loop sees it.
type linkView struct {
	EstimateKbps int  // gcc's estimate, raised (see raise)
	GCCKbps      int  // gcc's own
	DelayRising  bool // gcc sees the queue growing, short of overuse (see delayRising)
	Fell         bool // gcc's estimate fell since the last update (overuse or loss)
	UsableKbps   int  // the estimate bounded by what was sent (appLimitFactor)
	SentKbps     int  // RTP payload sent over the last second
	Measured     bool // SentKbps covers a whole window
}

// congestedFactor tells a link that limits us from an encoder that does:
// gcc answers overuse or loss with at most 0.85× the rate that arrived,
// below what we send, while an app-limited sender's estimate rises to 1.5×
// of it (Pion's gcc caps its increase there).
const congestedFactor = 1.2

// limitKbps is the bandwidth this connection imposes on the encoder: its
// estimate when that is below what we send (the link limits us), nothing
// otherwise (we send less than it would carry: a static picture, paused
// video, the first second).
func (v linkView) limitKbps() (int, bool) {
	if v.Measured && float64(v.EstimateKbps) < congestedFactor*float64(v.SentKbps) {
		return v.EstimateKbps, true
	}
	return 0, false
}

// AddStream registers a local stream (cc.BandwidthEstimator).
func (e *estimator) AddStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var twccID uint8
	for _, x := range info.RTPHeaderExtensions {
		if x.URI == sdp.TransportCCURI && x.ID > 0 && x.ID < 256 {
			twccID = uint8(x.ID)
		}
	}
	e.pacer.setStream(info.SSRC, strings.HasPrefix(strings.ToLower(info.MimeType), "audio/"), twccID)
	return e.SendSideBWE.AddStream(info, w)
}

// kbps is the usable estimate (see update), or gcc's own before the first
// update.
func (e *estimator) kbps() int {
	if k := e.usable.Load(); k > 0 {
		return int(k)
	}
	return e.GetTargetBitrate() / 1000
}

// newEstimator builds one connection's estimator.
func newEstimator(maxVideoKbps int, now func() time.Time, lf logging.LoggerFactory) (*estimator, error) {
	initial, lo, hi := estimateBounds(maxVideoKbps)
	p := newPacer(initial, now)
	bwe, err := gcc.NewSendSideBWE(
		gcc.SendSideBWEInitialBitrate(initial),
		gcc.SendSideBWEMinBitrate(lo),
		gcc.SendSideBWEMaxBitrate(hi),
		gcc.SendSideBWEPacer(p),
		gcc.WithLoggerFactory(lf),
	)
	if err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("gcc: %w", err)
	}
	return &estimator{SendSideBWE: bwe, pacer: p, hiKbps: hi / 1000}, nil
}

// addCongestionControl registers the estimator with its pacer, which puts
// transport-wide sequence numbers on what we send as it leaves, and
// transport-cc feedback for what we receive (so browsers run their own
// delay-based control toward us); the latter also negotiates the header
// extension for both directions. The NACK responder must be added AFTER
// this: the estimator's RTCP reader sets the target bitrate the responder
// caps resends by, and resends then pass through the pacer.
// Their logs go to lf: Pion's default logger writes to stderr, under the TUI.
func addCongestionControl(me *webrtc.MediaEngine, reg *interceptor.Registry, maxVideoKbps int, lf logging.LoggerFactory, onEstimator func(*estimator)) error {
	f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return newEstimator(maxVideoKbps, time.Now, lf)
	})
	if err != nil {
		return fmt.Errorf("congestion control: %w", err)
	}
	f.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) {
		if est, ok := e.(*estimator); ok && onEstimator != nil {
			onEstimator(est)
		}
	})
	reg.Add(f)
	if err := webrtc.ConfigureTWCCSenderWithOptions(me, reg, twcc.WithLoggerFactory(lf)); err != nil {
		return fmt.Errorf("twcc feedback: %w", err)
	}
	return nil
}
