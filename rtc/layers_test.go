package rtc

import (
	"context"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/store"
)

// layeredMesh is a call of sessions on layered media over a virtual
// network (20 ms one way); party 0 (A) may sit behind a rate cap.
type layeredMesh struct {
	members []*member
	media   []*layeredMedia
	sinks   []*streamSink
	ids     []string
	link    *netsim.Net // A's capped link; nil without a cap
	start   time.Time   // when every pair was connected
}

// startLayeredMesh starts parties sessions and waits until every pair is
// connected. It must run inside a synctest bubble.
func startLayeredMesh(t *testing.T, parties, capKbps int) *layeredMesh {
	t.Helper()
	var link netsim.Link
	if capKbps > 0 {
		link = netsim.Link{RateKbps: capKbps, QueueMs: 200}
	}
	return startLayeredMeshBehind(t, parties, link)
}

// startLayeredMeshBehind is startLayeredMesh with A behind link (none
// when its RateKbps is 0).
func startLayeredMeshBehind(t *testing.T, parties int, link netsim.Link) *layeredMesh {
	t.Helper()
	url, httpClient := startPipeServer(t)
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", MinDelay: 20 * time.Millisecond, LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard}})
	if err != nil {
		t.Fatal(err)
	}
	nets := make([]*vnet.Net, parties)
	for i := range nets {
		if nets[i], err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{fmt.Sprintf("10.0.0.%d", i+1)}}); err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(nets[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	lm := &layeredMesh{}
	if link.RateKbps > 0 {
		if lm.link, err = netsim.NewNetOn(nets[0], link); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = lm.link.Close() })
	}
	for i := range parties {
		media, sink := newLayeredMedia(800), &streamSink{}
		cfg := testConfig(url, "layers", string(rune('A'+i)), nil)
		cfg.Signal.HTTPClient, cfg.Net, cfg.Video = httpClient, nets[i], sink
		if i == 0 && lm.link != nil {
			cfg.Net = lm.link
		}
		cfg.OpenMedia = layeredOpener(media)
		lm.members = append(lm.members, startOpenedMember(t, cfg, media.Close))
		lm.media, lm.sinks = append(lm.media, media), append(lm.sinks, sink)
	}
	waitFor(t, 20*time.Second, "connected", allConnected(lm.members))
	for _, m := range lm.members {
		lm.ids = append(lm.ids, peerIDOf(m))
	}
	lm.start = time.Now()
	return lm
}

// startOpenedMember runs a session whose Config already opens its media;
// closeMedia runs once the session has ended.
func startOpenedMember(t *testing.T, cfg Config, closeMedia func() error) *member {
	t.Helper()
	m := &member{name: cfg.Signal.Join.UserName, s: New(cfg), state: store.New(), runErr: make(chan error, 1), drained: make(chan struct{})}
	go func() {
		defer close(m.drained)
		for a := range m.s.Actions() {
			m.mu.Lock()
			m.state = store.Reduce(m.state, a)
			m.mu.Unlock()
		}
	}()
	go func() { m.runErr <- m.s.Run(context.Background()) }()
	t.Cleanup(func() {
		_ = m.s.Close()
		if err := <-m.runErr; err != nil {
			t.Errorf("%s: Run: %v", m.name, err)
		}
		<-m.drained
		_ = closeMedia()
	})
	return m
}

// stats is what member i measures of member j (since its last call).
func (lm *layeredMesh) stats(t *testing.T, i, j int) store.Stats {
	t.Helper()
	st, err := lm.members[i].s.CollectStats(context.Background(), lm.ids[j])
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// sendLayer is the layer member i sends member j.
func (lm *layeredMesh) sendLayer(i, j int) string {
	st, err := lm.members[i].s.CollectStats(context.Background(), lm.ids[j])
	if err != nil {
		return err.Error()
	}
	return st.SendLayer
}

// layerNow is the layer member i sends member j now, read without
// touching the stats' baseline.
func (lm *layeredMesh) layerNow(i, j int) string {
	if p := lm.members[i].s.peerByID(lm.ids[j]); p != nil {
		if ps := p.send.Load(); ps != nil {
			return layerName(ps.Layer)
		}
	}
	return ""
}

// waitLayer waits (virtual time) until member i sends j the layer.
func (lm *layeredMesh) waitLayer(t *testing.T, i, j int, layer string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for lm.sendLayer(i, j) != layer {
		if time.Since(start) > within {
			t.Fatalf("%c does not send %c the %s layer after %v (sends %q)", 'A'+i, 'A'+j, layer, within, lm.sendLayer(i, j))
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Since(start)
}

// TestNarrowPeerGetsTheLowLayer: in a 3-way mesh where A sits behind a
// 300 kbps link (150 for each sender), B and C send each other the high layer (640×480, far
// more bitrate) and A the low one (320×240), each with its two encoders
// encoding every frame once for both peers; when A's link widens, B and
// C move A up to the high layer.
func TestNarrowPeerGetsTheLowLayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lm := startLayeredMesh(t, 3, 300)
		const A, B, C = 0, 1, 2
		start := time.Now()
		time.Sleep(30 * time.Second)
		for i := range 3 {
			for j := range 3 {
				if i != j {
					lm.stats(t, i, j) // baselines
				}
			}
		}
		encodes0 := [3]int{}
		for i := range 3 {
			fl, _ := lm.media[i].layer(mediacodec.LayerHigh)
			encodes0[i] = fl.encodes
		}
		// The layers chosen, sampled each second: A's share of its link is
		// near the ladder's floor, so a probe or pause may show briefly.
		onLayer := map[[2]int]map[string]int{}
		for range 10 {
			time.Sleep(time.Second)
			for _, k := range [][2]int{{B, C}, {C, B}, {B, A}, {C, A}} {
				if onLayer[k] == nil {
					onLayer[k] = map[string]int{}
				}
				onLayer[k][lm.layerNow(k[0], k[1])]++
			}
		}
		got := map[[2]int]store.Stats{}
		for i := range 3 {
			for j := range 3 {
				if i != j {
					got[[2]int{i, j}] = lm.stats(t, i, j)
				}
			}
		}
		for _, sender := range []int{B, C} {
			other := B + C - sender
			toOther, toA := got[[2]int{sender, other}], got[[2]int{sender, A}]
			t.Logf("%c→%c: layer %s target %.0f, estimate %.0f; %c→A: layer %s target %.0f, estimate %.0f (%s)", 'A'+sender, 'A'+other,
				toOther.SendLayer, toOther.SendTargetKbps, toOther.AvailableSendKbps, 'A'+sender, toA.SendLayer, toA.SendTargetKbps, toA.AvailableSendKbps, toA.LimitedBy)
			// A's 150 kbps share leaves ~50 kbps of video, near the pause
			// floor: the ladder's last rung may show.
			if h, l := onLayer[[2]int{sender, other}], onLayer[[2]int{sender, A}]; h["high"] != 10 || l["low"] < 5 || l["low"]+l["paused"] != 10 {
				t.Errorf("%c sends %c the layers %v and A %v over 10 s; want high throughout, and low (at times paused)", 'A'+sender, 'A'+other, h, l)
			}
			if toA.LimitedBy != LimitedByBandwidth || toOther.SendTargetKbps < 600 {
				t.Errorf("%c→A limited by %q, %c→%c's target %.0f kbps; want bandwidth, ≥ 600", 'A'+sender, toA.LimitedBy, 'A'+sender, 'A'+other, toOther.SendTargetKbps)
			}
			wide, narrow := got[[2]int{other, sender}], got[[2]int{A, sender}] // the receivers' view
			t.Logf("from %c: %c receives %.0f kbps %.1f fps %dx%d, A %.0f kbps %.1f fps %dx%d", 'A'+sender, 'A'+other,
				wide.RecvKbps, wide.FramesPerSecond, wide.Width, wide.Height, narrow.RecvKbps, narrow.FramesPerSecond, narrow.Width, narrow.Height)
			if wide.Width != 640 || wide.Height != 480 || narrow.Width != 320 || narrow.Height != 240 {
				t.Errorf("from %c: %c sees %dx%d, A %dx%d; want 640x480 and 320x240", 'A'+sender, 'A'+other, wide.Width, wide.Height, narrow.Width, narrow.Height)
			}
			if wide.RecvKbps < 2*narrow.RecvKbps || wide.FramesPerSecond < 25 || narrow.FramesPerSecond < 5 {
				t.Errorf("from %c: %c receives %.0f kbps at %.1f fps, A %.0f kbps at %.1f fps; want the wide link ≥ 2× the narrow one's bitrate, 25 and 5 fps",
					'A'+sender, 'A'+other, wide.RecvKbps, wide.FramesPerSecond, narrow.RecvKbps, narrow.FramesPerSecond)
			}
			m := lm.media[sender]
			high, nHigh := m.layer(mediacodec.LayerHigh)
			_, nLow := m.layer(mediacodec.LayerLow)
			if m.running() != 2 || nHigh != 1 || nLow > 1 {
				t.Errorf("%c: %d layers encoding at most, %d subscribers of the high layer and %d of the low one; want 2, 1, ≤ 1", 'A'+sender, m.running(), nHigh, nLow)
			}
			// One encode per frame for both peers: at most the source's 30 fps.
			if n := high.encodes - encodes0[sender]; n > 10*30+5 {
				t.Errorf("%c: %d high-layer frames encoded in 10 s, want ≤ 305 (one per source frame)", 'A'+sender, n)
			}
		}
		t.Logf("after %v; A's link widens to 3 Mbps", time.Since(start).Round(time.Second))
		if err := lm.link.SetRateKbps(3000); err != nil {
			t.Fatal(err)
		}
		for _, sender := range []int{B, C} {
			// The ladder climbs blindly (an estimate proves only 1.5× what
			// is sent): +12 kbps/s and 4 %/s from the narrow target, to
			// layerShareUp of the other peer's (measured: 0–66 s), after
			// the hold of its failed steps up on the narrow link (up to
			// upRetryMax).
			d := lm.waitLayer(t, sender, A, "high", 120*time.Second+upRetryMax)
			t.Logf("%c sends A the high layer %v after the link widened", 'A'+sender, d.Round(250*time.Millisecond))
			// Checked per sender as soon as it switched: the other's
			// wait could outlast a probe that falls back. A 640×480 key
			// frame is on its way at the switch, or at A's next request.
			waitFor(t, 10*time.Second, fmt.Sprintf("A sees %c's 640x480 picture", 'A'+sender), func() bool {
				w, h := lm.sinks[A].lastKeySize(lm.ids[sender])
				return w == 640 && h == 480
			})
		}
	})
}

// TestLayerSwitchAtKeyFrame: when B asks for little (low-bandwidth mode),
// A moves it to the low layer at a key frame of that layer, and back to
// the high one once B lifts the request; B's stream keeps one SSRC,
// consecutive sequence numbers and forward timestamps across both
// switches, and frames never stop arriving. A's low encoder runs only
// while B is on it (or switching to it). B starts on the low layer, as
// every new peer does, and moves up as A's estimate grows.
func TestLayerSwitchAtKeyFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lm := startLayeredMesh(t, 2, 0)
		const A, B = 0, 1
		d := lm.waitLayer(t, A, B, "high", 60*time.Second)
		t.Logf("A sends B the high layer %v after connecting", d.Round(250*time.Millisecond))
		waitFor(t, 5*time.Second, "B sees 640x480", func() bool { w, _ := lm.sinks[B].lastKeySize(lm.ids[A]); return w == 640 })
		before := lm.sinks[B].log(lm.ids[A])
		low0, _ := lm.media[A].layer(mediacodec.LayerLow) // it ran at the start: a new peer starts on it

		if err := lm.members[B].s.SetLowBandwidth(true); err != nil {
			t.Fatal(err)
		}
		lm.waitLayer(t, A, B, "low", 5*time.Second)
		waitFor(t, 5*time.Second, "B sees 320x240", func() bool { w, _ := lm.sinks[B].lastKeySize(lm.ids[A]); return w == 320 })
		if st := lm.stats(t, A, B); st.LimitedBy != LimitedByPeerRequest {
			t.Errorf("A→B limited by %q, want %q", st.LimitedBy, LimitedByPeerRequest)
		}
		low, n := lm.media[A].layer(mediacodec.LayerLow)
		if low.starts != low0.starts+1 || n != 1 {
			t.Errorf("A's low layer started %d times for the switch, with %d subscribers; want once, 1", low.starts-low0.starts, n)
		}
		time.Sleep(2 * time.Second)
		if _, n := lm.media[A].layer(mediacodec.LayerHigh); n != 0 {
			t.Errorf("the high layer still has %d subscribers after the switch", n)
		}

		if err := lm.members[B].s.SetLowBandwidth(false); err != nil {
			t.Fatal(err)
		}
		d = lm.waitLayer(t, A, B, "high", 60*time.Second)
		t.Logf("A sends B the high layer again %v after the request was lifted", d.Round(250*time.Millisecond))
		waitFor(t, 5*time.Second, "B sees 640x480 again", func() bool { w, _ := lm.sinks[B].lastKeySize(lm.ids[A]); return w == 640 })
		time.Sleep(2 * time.Second)
		low1, n := lm.media[A].layer(mediacodec.LayerLow)
		time.Sleep(2 * time.Second)
		low2, _ := lm.media[A].layer(mediacodec.LayerLow)
		if n != 0 || low2.encodes != low1.encodes {
			t.Errorf("A's low layer has %d subscribers and encoded %d frames in 2 s with nobody on it", n, low2.encodes-low1.encodes)
		}

		after := lm.sinks[B].log(lm.ids[A])
		if len(after.ssrcs) != 1 || after.gaps != 0 || after.tsBackwards != 0 {
			t.Errorf("B's stream from A: %d SSRCs, %d missing sequence numbers, %d timestamps going back; want 1, 0, 0", len(after.ssrcs), after.gaps, after.tsBackwards)
		}
		if after.maxFrameGap > 150*time.Millisecond {
			t.Errorf("longest time between two frames %v: the picture froze", after.maxFrameGap)
		}
		switches := 0
		prevW := 0
		for _, k := range after.keys {
			if prevW != 0 && k.w != prevW {
				switches++
				t.Logf("switch to %dx%d: sequence +%d, %v since the previous frame", k.w, k.h, k.seqJump, k.frameGap)
				if k.seqJump != 1 || k.frameGap > 100*time.Millisecond {
					t.Errorf("switch to %dx%d: sequence number +%d, %v after the previous frame; want +1, one frame time", k.w, k.h, k.seqJump, k.frameGap)
				}
			}
			prevW = k.w
		}
		// Up at the start (a new peer starts on the low layer), down, up.
		if switches != 3 || len(before.keys) == 0 {
			t.Errorf("saw %d layer switches, want 3 (up after the start, down, up)", switches)
		}
	})
}
