package devices

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/mediacodec"
)

// layerTap counts what one subscriber of a layer received.
type layerTap struct {
	mu     sync.Mutex
	frames int
	keys   int
	first  []byte // the first frame
	w, h   int    // size of the last key frame
}

func (c *layerTap) take(s media.Sample) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == nil {
		c.first = s.Data
	}
	c.frames++
	if isVP8KeyFrame(s.Data) {
		c.keys++
		if len(s.Data) >= 10 {
			c.w, c.h = int(s.Data[6])|int(s.Data[7]&0x3f)<<8, int(s.Data[8])|int(s.Data[9]&0x3f)<<8
		}
	}
}

func (c *layerTap) get() layerTap {
	c.mu.Lock()
	defer c.mu.Unlock()
	return layerTap{frames: c.frames, keys: c.keys, first: c.first, w: c.w, h: c.h}
}

// TestLayerSubscribersShareOneEncode: three subscribers of each layer get
// the same frames from one encode per frame and layer (the encoders'
// call counts match what each subscriber got); the low layer is half the
// size at no more than 15 fps, starts with a key frame when its first
// subscriber comes and encodes nothing once the last has gone.
func TestLayerSubscribersShareOneEncode(t *testing.T) {
	m, err := Open(context.Background(), Config{Name: "lena", Fake: true, Video: true, Width: 640, Height: 480, FPS: 30, VideoBitrateKbps: 800})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	waitFor(t, "first frames", func() bool { return m.Stats().VideoFrames > 3 })
	if s := m.Stats(); s.LowEncodes != 0 {
		t.Fatalf("the low layer encoded %d frames without subscribers", s.LowEncodes)
	}
	if kbps, fps := m.LayerMax(mediacodec.LayerLow); kbps != lowLayerMaxKbps || fps != 15 {
		t.Errorf("LayerMax(low) = %d kbps, %d fps; want %d, 15", kbps, fps, lowLayerMaxKbps)
	}
	const n = 3
	var high, low [n]layerTap
	var cancels []func()
	before := m.Stats()
	for i := range n {
		cancels = append(cancels, m.SubscribeLayer(mediacodec.LayerHigh, high[i].take), m.SubscribeLayer(mediacodec.LayerLow, low[i].take))
	}
	waitFor(t, "30 low frames at every subscriber", func() bool {
		for i := range n {
			if low[i].get().frames < 30 {
				return false
			}
		}
		return true
	})
	for _, c := range cancels {
		c()
	}
	time.Sleep(100 * time.Millisecond) // a frame in flight
	after := m.Stats()
	time.Sleep(300 * time.Millisecond)
	later := m.Stats()

	lowEncodes, highEncodes := after.LowEncodes-before.LowEncodes, after.VideoEncodes-before.VideoEncodes
	t.Logf("low: %d encodes, %d frames to each subscriber; high: %d encodes, %d frames to the first", lowEncodes, low[0].get().frames, highEncodes, high[0].get().frames)
	for i := range n {
		h, l := high[i].get(), low[i].get()
		// Every frame a subscriber got came from one encoder call, and
		// all subscribers got the very same frames.
		if uint64(l.frames) > lowEncodes || uint64(h.frames) > highEncodes {
			t.Errorf("subscriber %d: %d low and %d high frames from %d and %d encodes", i, l.frames, h.frames, lowEncodes, highEncodes)
		}
		if l.frames != low[0].get().frames || &l.first[0] != &low[0].get().first[0] {
			t.Errorf("subscriber %d got other low frames than subscriber 0", i)
		}
		if !isVP8KeyFrame(l.first) || l.w != 320 || l.h != 240 {
			t.Errorf("subscriber %d: first low frame key=%v, low size %dx%d; want a 320x240 key frame", i, isVP8KeyFrame(l.first), l.w, l.h)
		}
	}
	// Encodes beyond the frames handed out are rate-control drops only.
	if got := uint64(low[0].get().frames); lowEncodes > got+got/5+2 {
		t.Errorf("%d low encodes for %d frames per subscriber: more than one encode per frame", lowEncodes, got)
	}
	if got := uint64(high[0].get().frames); highEncodes > got+got/5+2 {
		t.Errorf("%d high encodes for %d frames per subscriber: more than one encode per frame", highEncodes, got)
	}
	if ratio := float64(low[0].get().frames) / float64(high[0].get().frames); ratio > 0.6 {
		t.Errorf("low layer sent %.2f× the high layer's frames, want about half (15 of 30 fps)", ratio)
	}
	if later.LowEncodes != after.LowEncodes {
		t.Errorf("the low layer encoded %d frames after its last subscriber left", later.LowEncodes-after.LowEncodes)
	}
	if after.VideoEncoders != 2 {
		t.Errorf("%d video encoders built, want 2 (camera, low layer)", after.VideoEncoders)
	}
}

// TestSetLayerTargetPausesALayer: a paused low layer hands out nothing and
// resumes with a key frame; the high layer goes on meanwhile.
func TestSetLayerTargetPausesALayer(t *testing.T) {
	m := openFake(t, "lars")
	var low, high layerTap
	defer m.SubscribeLayer(mediacodec.LayerLow, low.take)()
	defer m.SubscribeLayer(mediacodec.LayerHigh, high.take)()
	waitFor(t, "low frames", func() bool { return low.get().frames > 3 })
	m.SetLayerTarget(mediacodec.LayerLow, 0, 0, true)
	time.Sleep(100 * time.Millisecond) // a frame in flight
	l0, h0 := low.get(), high.get()
	time.Sleep(500 * time.Millisecond)
	if l1, h1 := low.get(), high.get(); l1.frames != l0.frames || h1.frames-h0.frames < 5 {
		t.Errorf("paused low layer: %d frames in 0.5 s (want 0), high layer %d (want it going on)", l1.frames-l0.frames, h1.frames-h0.frames)
	}
	m.SetLayerTarget(mediacodec.LayerLow, 100, 15, false)
	waitFor(t, "low frames after resuming", func() bool { return low.get().frames > l0.frames })
	if l := low.get(); l.keys == l0.keys {
		t.Errorf("resumed low layer: %d frames, none of them a key frame", l.frames-l0.frames)
	}
}
