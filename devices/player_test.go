package devices

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"gopkg.in/hraban/opus.v2"
)

// testOutput lets a test pull the mix by hand instead of a sound card.
type testOutput struct{ fill func([]int16) }

func (o *testOutput) Start(fill func([]int16)) error { o.fill = fill; return nil }
func (o *testOutput) Close() error                   { return nil }

// goertzel is the power of frequency f in pcm (48 kHz).
func goertzel(pcm []int16, f float64) float64 {
	w := 2 * math.Pi * f / sampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range pcm {
		s := float64(v) + c*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// loudestWindow is the n-sample window of pcm with the most energy, on a
// chunk grid.
func loudestWindow(pcm []int16, n int) []int16 {
	best, bestE := 0, -1.0
	for i := 0; i+n <= len(pcm); i += mixChunk {
		e := 0.0
		for _, v := range pcm[i : i+n] {
			e += float64(v) * float64(v)
		}
		if e > bestE {
			best, bestE = i, e
		}
	}
	return pcm[best : best+n]
}

// play pushes each peer's packets one per 20 ms chunk and pulls the mix,
// as a sound card would in real time; it returns the mixed samples.
func play(p *Player, out *testOutput, streams map[string][]*rtp.Packet, extraChunks int) []int16 {
	var mixed []int16
	buf := make([]int16, mixChunk)
	n := 0
	for _, pkts := range streams {
		n = max(n, len(pkts))
	}
	for i := 0; i < n+extraChunks; i++ {
		for id, pkts := range streams {
			if i < len(pkts) && pkts[i] != nil {
				p.Push(id, pkts[i])
			}
		}
		out.fill(buf)
		mixed = append(mixed, buf...)
	}
	return mixed
}

// The synthetic sender's tone survives Opus, RTP over a real peer
// connection, the jitter buffer and the mixer at the right pitch.
func TestPlayerDecodesSyntheticSendersTone(t *testing.T) {
	const name = "frank"
	m := openFake(t, name)
	var mu sync.Mutex
	var pkts []*rtp.Packet
	linkPeer(t, loopbackAPI(t), m, func(tr *webrtc.TrackRemote) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				mu.Lock()
				pkts = append(pkts, pkt)
				mu.Unlock()
			}
		}
	})
	waitFor(t, "1.2 s of audio", func() bool { mu.Lock(); defer mu.Unlock(); return len(pkts) >= 60 })
	mu.Lock()
	got := append([]*rtp.Packet(nil), pkts[:60]...)
	mu.Unlock()

	out := &testOutput{}
	p := NewPlayer(PlayerConfig{Output: out})
	defer p.Close()
	if p.Reason() != "" {
		t.Fatalf("Reason = %q with a test output", p.Reason())
	}
	mixed := play(p, out, map[string][]*rtp.Packet{"peer": got}, 0)
	win := loudestWindow(mixed, 4800)
	want := toneFrequency(name)
	best, bestP := 0.0, -1.0
	for f := 330.0; f <= 880; f += 50 {
		if pw := goertzel(win, f); pw > bestP {
			best, bestP = f, pw
		}
	}
	if best != want {
		t.Fatalf("strongest frequency %.0f Hz, want %.0f Hz", best, want)
	}

	// Per-peer volume: half as loud is 6 dB down, 0 is silent, and the
	// level still shows what the peer says.
	for _, c := range []struct {
		vol, minDB, maxDB float64
	}{{0.5, -7.5, -4.5}, {0, -200, -60}} {
		q := NewPlayer(PlayerConfig{Output: &testOutput{}})
		q.SetVolume("peer", c.vol)
		qout := q.out.(*testOutput)
		quiet := loudestWindow(play(q, qout, map[string][]*rtp.Packet{"peer": got}, 0), 4800)
		if d := rmsDB(quiet) - rmsDB(win); d < c.minDB || d > c.maxDB {
			t.Errorf("volume %.1f: %.1f dB against full volume, want %.1f to %.1f", c.vol, d, c.minDB, c.maxDB)
		}
		if q.Volume("peer") != c.vol || q.Level("peer") == 0 {
			t.Errorf("volume %.1f: Volume %v, Level %v", c.vol, q.Volume("peer"), q.Level("peer"))
		}
		_ = q.Close()
	}
	if l := p.Level("peer"); l <= 0 {
		t.Fatalf("Level = %v after a tone", l)
	}
}

// sinePackets encodes n 20 ms Opus packets of a sine at amp (of full scale).
func sinePackets(t testing.TB, f, amp float64, n int, ssrc uint32) []*rtp.Packet {
	t.Helper()
	enc, err := opus.NewEncoder(sampleRate, 1, opus.AppAudio)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.SetInBandFEC(true); err != nil {
		t.Fatal(err)
	}
	if err := enc.SetPacketLossPerc(20); err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, mixChunk)
	var pkts []*rtp.Packet
	for i := range n {
		for j := range pcm {
			k := i*mixChunk + j
			pcm[j] = int16(amp * math.MaxInt16 * math.Sin(2*math.Pi*f*float64(k)/sampleRate))
		}
		data := make([]byte, 1000)
		w, err := enc.Encode(pcm, data)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(65500 + i), Timestamp: uint32(i * mixChunk), SSRC: ssrc},
			Payload: data[:w],
		})
	}
	return pkts
}

// Two loud senders mixed: both tones are heard, nothing is hard-clipped.
func TestMixerCombinesTwoSendersWithoutClipping(t *testing.T) {
	a := sinePackets(t, 440, 0.75, 50, 1)
	b := sinePackets(t, 660, 0.75, 50, 2)
	out := &testOutput{}
	p := NewPlayer(PlayerConfig{Output: out})
	defer p.Close()
	mixed := play(p, out, map[string][]*rtp.Packet{"a": a, "b": b}, 0)
	steady := mixed[10*mixChunk:]
	var peak int
	for i, v := range steady {
		peak = max(peak, int(v), -int(v))
		if i > 0 && (v == math.MaxInt16 || v == math.MinInt16) && v == steady[i-1] {
			t.Fatalf("flat top at sample %d: hard clipping", i)
		}
	}
	if peak < 20000 {
		t.Fatalf("peak %d: the mix is too quiet", peak)
	}
	p440, p660, p550 := goertzel(steady, 440), goertzel(steady, 660), goertzel(steady, 550)
	if p440 < 100*p550 || p660 < 100*p550 {
		t.Fatalf("tone powers 440=%.3g 660=%.3g vs 550=%.3g: a sender is missing", p440, p660, p550)
	}
	if r := p440 / p660; r < 0.5 || r > 2 {
		t.Fatalf("440/660 power ratio %.2f: senders not mixed evenly", r)
	}
	if la, lb := p.Level("a"), p.Level("b"); la < 0.5 || lb < 0.5 {
		t.Fatalf("levels a=%.2f b=%.2f, want about 0.75", la, lb)
	}
	p.RemovePeer("a")
	if p.Level("a") != 0 {
		t.Fatal("level of a removed peer")
	}
}

// Lost and reordered packets are concealed: no 20 ms chunk goes silent.
func TestPlayerConcealsLossAndReordering(t *testing.T) {
	pkts := sinePackets(t, 500, 0.5, 80, 3)
	for i := 7; i < len(pkts); i += 7 {
		pkts[i] = nil // lost
	}
	for i := 20; i+1 < len(pkts); i += 11 {
		pkts[i], pkts[i+1] = pkts[i+1], pkts[i] // reordered
	}
	out := &testOutput{}
	p := NewPlayer(PlayerConfig{Output: out})
	defer p.Close()
	mixed := play(p, out, map[string][]*rtp.Packet{"x": pkts}, 0)
	for c := jitterTarget + 2; c < len(pkts)-2; c++ {
		if l := chunkLevel(mixed[c*mixChunk : (c+1)*mixChunk]); l < 0.1 {
			t.Fatalf("chunk %d level %.3f: a gap was not concealed", c, l)
		}
	}
}

// Without an output the player still decodes on its own clock, so levels
// move; it says why it is silent.
func TestPlayerOffStillMeasuresLevels(t *testing.T) {
	p := NewPlayer(PlayerConfig{Disabled: true})
	defer p.Close()
	if !strings.HasPrefix(p.Reason(), "audio output off: ") {
		t.Fatalf("Reason = %q", p.Reason())
	}
	for _, pkt := range sinePackets(t, 440, 0.5, 10, 4) {
		p.Push("quiet", pkt)
	}
	waitFor(t, "a level from the idle clock", func() bool { return p.Level("quiet") > 0.2 })
}

// On a machine without a sound card the default output is off, not broken.
func TestPlayerDefaultOutputNeverFails(t *testing.T) {
	p := NewPlayer(PlayerConfig{})
	t.Logf("Reason = %q", p.Reason())
	if r := p.Reason(); r != "" && !strings.HasPrefix(r, "audio output off: ") {
		t.Fatalf("Reason = %q", r)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// Stats counts a peer's packets and the streams they came in: a sender
// moving to a new SSRC (as at the move to an SFU) is a second stream.
func TestPlayerStatsCountPacketsAndStreams(t *testing.T) {
	p := NewPlayer(PlayerConfig{Disabled: true})
	defer p.Close()
	if _, ok := p.Stats("x"); ok {
		t.Fatal("stats of a peer never heard")
	}
	for _, pkt := range sinePackets(t, 440, 0.5, 5, 4) {
		p.Push("x", pkt)
	}
	p.Push("x", &rtp.Packet{Header: rtp.Header{SSRC: 4}}) // no payload: not a packet the player takes
	for _, pkt := range sinePackets(t, 440, 0.5, 3, 9) {
		p.Push("x", pkt)
	}
	if st, ok := p.Stats("x"); !ok || st != (PlayerStats{Packets: 8, Streams: 2}) {
		t.Fatalf("Stats = %+v, %v; want 8 packets in 2 streams", st, ok)
	}
	p.RemovePeer("x")
	if _, ok := p.Stats("x"); ok {
		t.Fatal("stats of a removed peer")
	}
}
