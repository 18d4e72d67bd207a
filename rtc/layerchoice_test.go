package rtc

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// TestChooseLayer: the per-peer rung below the high layer's lower frame
// rate is the low layer, with a gap between the thresholds; a short dip
// keeps the high layer, a deep one does not; a pause stops video and
// resuming starts on the low layer; a peer asking for little gets it; a
// held step up (upHold) stays on the low layer.
func TestChooseLayer(t *testing.T) {
	const hi, lo = mediacodec.LayerHigh, mediacodec.LayerLow
	at := func(kbps int) videoTarget { return videoTarget{Kbps: kbps, FPS: 15} }
	for _, tc := range []struct {
		name     string
		prev     mediacodec.Layer
		d        videoTarget
		belowFor time.Duration
		forceLow bool
		upHeld   bool
		want     mediacodec.Layer
	}{
		{"high stays high above the down threshold", hi, at(layerDownKbps), 0, false, false, hi},
		{"a short dip keeps the high layer", hi, at(layerDownKbps - 1), layerDownAfter - time.Millisecond, false, false, hi},
		{"a lasting dip moves down", hi, at(layerDownKbps - 1), layerDownAfter, false, false, lo},
		{"a deep dip moves down at once", hi, at(layerDropKbps - 1), 0, false, false, lo},
		{"low stays low below the up threshold", lo, at(layerUpKbps - 1), 0, false, false, lo},
		{"low moves up at the up threshold", lo, at(layerUpKbps), 0, false, false, hi},
		{"paused stops video", hi, videoTarget{Paused: true}, 0, false, false, noLayer},
		{"a probe after a pause starts on the low layer", noLayer, at(64), 0, false, false, lo},
		{"a start high enough goes straight up", noLayer, at(layerUpKbps), 0, false, false, hi},
		{"a held step up stays low", lo, at(layerUpKbps), 0, false, true, lo},
		{"a held step up does not keep the high layer from falling", hi, at(layerDropKbps - 1), 0, false, true, lo},
		{"a peer asking for little gets the low layer", hi, at(800), 0, true, false, lo},
		{"a peer asking for little may still be paused", lo, videoTarget{Paused: true}, 0, true, false, noLayer},
	} {
		if got := chooseLayer(tc.prev, tc.d, tc.belowFor, tc.forceLow, tc.upHeld); got != tc.want {
			t.Errorf("%s: chooseLayer(%v, %+v, %v, %v) = %v, want %v", tc.name, tc.prev, tc.d, tc.belowFor, tc.forceLow, got, tc.want)
		}
	}
}

// stubLayers is LayeredMedia without encoders: the test delivers frames
// by hand and sees the subscriptions and key-frame requests.
type stubLayers struct {
	mu    sync.Mutex
	subs  [mediacodec.Layers]map[int]func(media.Sample)
	next  int
	asked [mediacodec.Layers]int
}

func (s *stubLayers) LayerMax(mediacodec.Layer) (int, int) { return 800, 30 }
func (s *stubLayers) SubscribeLayer(l mediacodec.Layer, fn func(media.Sample)) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[l] == nil {
		s.subs[l] = map[int]func(media.Sample){}
	}
	s.next++
	id := s.next
	s.subs[l][id] = fn
	return func() { s.mu.Lock(); delete(s.subs[l], id); s.mu.Unlock() }
}
func (s *stubLayers) SetLayerTarget(mediacodec.Layer, int, int, bool) {}
func (s *stubLayers) RequestLayerKeyFrame(l mediacodec.Layer) {
	s.mu.Lock()
	s.asked[l]++
	s.mu.Unlock()
}

// send delivers one frame of layer l to its subscribers.
func (s *stubLayers) send(l mediacodec.Layer, key bool, at time.Time) {
	s.mu.Lock()
	var fns []func(media.Sample)
	for _, fn := range s.subs[l] {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	data := []byte{0x01, 0, 0, 0}
	if key {
		data[0] = 0x10
	}
	for _, fn := range fns {
		fn(media.Sample{Data: data, Timestamp: at})
	}
}

func (s *stubLayers) count(l mediacodec.Layer) (subs, asked int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs[l]), s.asked[l]
}

// TestPeerVideoSwitchesAtKeyFrames: a peer's track starts at its layer's
// first key frame; switching subscribes to the new layer and asks it for
// a key frame while the old layer goes on, completes at that key frame
// and drops the old subscription; a switch not completed within
// switchRetry asks again; pausing drops every subscription; close stops
// everything.
func TestPeerVideoSwitchesAtKeyFrames(t *testing.T) {
	const hi, lo = mediacodec.LayerHigh, mediacodec.LayerLow
	m := &stubLayers{}
	now := time.Unix(1000, 0)
	pv, err := newPeerVideo(m, lo, now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, cur, want mediacodec.Layer, subsHi, subsLo int) {
		t.Helper()
		c, w := pv.sending()
		sh, _ := m.count(hi)
		sl, _ := m.count(lo)
		if c != cur || w != want || sh != subsHi || sl != subsLo {
			t.Fatalf("%s: sending %v (want %v), chosen %v (want %v), subscriptions high %d low %d (want %d, %d)", what, c, cur, w, want, sh, sl, subsHi, subsLo)
		}
	}
	check("new", noLayer, lo, 0, 1)
	if _, asked := m.count(lo); asked != 1 {
		t.Fatalf("a new track asked its layer for %d key frames, want 1", asked)
	}
	m.send(lo, false, now)
	check("a delta frame does not start it", noLayer, lo, 0, 1)
	m.send(lo, true, now)
	check("a key frame starts it", lo, lo, 0, 1)

	pv.setLayer(hi, now)
	check("switching", lo, hi, 1, 1)
	m.send(hi, false, now)
	m.send(lo, false, now)
	check("a delta frame of the new layer does not switch", lo, hi, 1, 1)
	pv.setLayer(hi, now.Add(switchRetry/2))
	if _, asked := m.count(hi); asked != 1 {
		t.Fatalf("asked the high layer for %d key frames before switchRetry, want 1", asked)
	}
	pv.setLayer(hi, now.Add(switchRetry))
	if _, asked := m.count(hi); asked != 2 {
		t.Fatalf("asked the high layer for %d key frames after switchRetry, want 2", asked)
	}
	m.send(hi, true, now)
	check("the new layer's key frame completes the switch", hi, hi, 1, 0)
	m.send(lo, true, now)
	check("the old layer's frames no longer count", hi, hi, 1, 0)

	pv.setLayer(lo, now)
	pv.setLayer(hi, now)
	check("switching back before the key frame came", hi, hi, 1, 0)

	pv.setLayer(noLayer, now)
	check("paused", noLayer, noLayer, 0, 0)
	pv.setLayer(lo, now)
	pv.close()
	check("closed", noLayer, lo, 0, 0)
	pv.setLayer(hi, now)
	check("closed stays closed", noLayer, lo, 0, 0)
}

// TestShareHighLayer: a peer far below the best one on the high layer
// gets the low layer (with a gap between leaving and coming back); peers
// close to each other share the high layer; a peer alone keeps it.
func TestShareHighLayer(t *testing.T) {
	const hi, lo = mediacodec.LayerHigh, mediacodec.LayerLow
	for _, tc := range []struct {
		name  string
		picks []layerPick
		want  []mediacodec.Layer
	}{
		{"alone", []layerPick{{hi, hi, 300}}, []mediacodec.Layer{hi}},
		{"close together", []layerPick{{hi, hi, 800}, {hi, hi, 500}}, []mediacodec.Layer{hi, hi}},
		{"staying close enough", []layerPick{{hi, hi, 800}, {hi, hi, 450}}, []mediacodec.Layer{hi, hi}},
		{"far below leaves", []layerPick{{hi, hi, 800}, {hi, hi, 430}}, []mediacodec.Layer{hi, lo}},
		{"coming up needs more", []layerPick{{hi, hi, 800}, {lo, hi, 500}}, []mediacodec.Layer{hi, lo}},
		{"coming up close enough", []layerPick{{hi, hi, 800}, {lo, hi, 530}}, []mediacodec.Layer{hi, hi}},
		{"low and paused untouched", []layerPick{{hi, hi, 800}, {lo, lo, 200}, {hi, noLayer, 0}}, []mediacodec.Layer{hi, lo, noLayer}},
	} {
		shareHighLayer(tc.picks)
		for i, p := range tc.picks {
			if p.Next != tc.want[i] {
				t.Errorf("%s: peer %d at %d kbps gets %v, want %v", tc.name, i, p.Kbps, p.Next, tc.want[i])
			}
		}
	}
}
