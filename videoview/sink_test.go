package videoview

import (
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/pion/rtp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFrame waits for a frame of peer from the sink.
func waitFrame(t *testing.T, s *Sink, peer string, timeout time.Duration) Frame {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, f := range s.Take() {
			if f.PeerID == peer {
				return f
			}
		}
		select {
		case <-s.Ready():
		case <-deadline:
			st, _ := s.Stats(peer)
			t.Fatalf("no frame for %q within %v; stats %+v", peer, timeout, st)
		}
	}
}

// waitStats polls the peer's stats until ok returns true.
func waitStats(t *testing.T, s *Sink, peer string, ok func(PeerStats) bool) PeerStats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := s.Stats(peer)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats of %q never satisfied the condition: %+v", peer, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDecodeRealStream encodes the test pattern with libvpx, packetizes
// it as Pion does and pushes the packets through the sink: the worker must
// decode frames of the sent size and draw the pattern's colours, in the
// tile size the UI set.
func TestDecodeRealStream(t *testing.T) {
	const w, h, fps = 320, 240, 30
	snd := newVP8Sender(t, w, h, fps)
	s := New(Config{FPS: 1000, Mode: TrueColor, RequestKeyFrame: snd.requestKeyFrame})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 40, Height: 15}})
	for n := range 10 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("p1", p)
		}
	}
	st := waitStats(t, s, "p1", func(st PeerStats) bool { return st.Decoded >= 9 })
	if st.Width != w || st.Height != h || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
	f := waitFrame(t, s, "p1", 5*time.Second)
	// The worker may still be drawing the last decoded frame: keep the
	// newest until no other arrives for a second.
	for settled := false; !settled; {
		select {
		case <-s.Ready():
			for _, g := range s.Take() {
				if g.PeerID == "p1" {
					f = g
				}
			}
		case <-time.After(time.Second):
			settled = true
		}
	}
	if f.Width != 40 || f.Height != 15 || len(f.Lines) != 15 {
		t.Fatalf("frame %d×%d with %d lines", f.Width, f.Height, len(f.Lines))
	}
	for i, l := range f.Lines {
		if cw := ansi.StringWidth(l); cw != 40 {
			t.Fatalf("line %d is %d cells", i, cw)
		}
	}
	// 4:3 into 40×15 cells (40×30 px): 40 px wide is 30 px tall, so the
	// picture fills the tile. Left quarter red, right quarter blue, away
	// from the bar: the last frame drawn is frame 8 (the sample builder
	// holds frame 9 until a later packet arrives), bar at 8/16 to 9/16.
	cells := parseCells(t, f.Lines[7])
	if len(cells) != 40 {
		t.Fatalf("%d cells", len(cells))
	}
	for _, x := range []int{2, 6, 10} {
		if c := cells[x]; !near(c.upper(), patLeft, 24) || !near(c.lower(), patLeft, 24) {
			t.Errorf("cell %d: %+v, want red %v", x, c, patLeft)
		}
	}
	for _, x := range []int{30, 34, 38} {
		if c := cells[x]; !near(c.upper(), patRight, 24) || !near(c.lower(), patRight, 24) {
			t.Errorf("cell %d: %+v, want blue %v", x, c, patRight)
		}
	}
	bar := cells[8*40/16+1]
	if !near(bar.upper(), patBar, 40) {
		t.Errorf("bar cell %+v, want white", bar)
	}
}

// TestLostFirstKeyFrame drops every packet of the first (key) frame: the
// worker must ask for a key frame and show video within a second.
func TestLostFirstKeyFrame(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	var asks atomic.Int32
	s := New(Config{Mode: TrueColor, RequestKeyFrame: func(id string) { asks.Add(1); snd.requestKeyFrame(id) }})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 20, Height: 8}})
	_ = snd.packets(patternFrame(w, h, 0), fps) // lost
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / fps)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for _, p := range snd.packets(patternFrame(w, h, n), fps) {
				s.Push("p1", p)
			}
		}
	}()
	waitFrame(t, s, "p1", 2*time.Second)
	took := time.Since(start)
	close(done)
	wg.Wait()
	if took > time.Second {
		t.Errorf("first picture after %v, want < 1 s", took)
	}
	st, _ := s.Stats("p1")
	if asks.Load() == 0 || st.Skipped == 0 {
		t.Errorf("no key frame request: asks %d, stats %+v", asks.Load(), st)
	}
	t.Logf("recovered in %v; stats %+v", took, st)
}

// TestDecodeErrorsAskForKeyFrames feeds garbage behind a valid key frame
// header: the worker must survive, ask for a key frame for every frame it
// cannot use and decode the real key frame that follows.
func TestDecodeErrorsAskForKeyFrames(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var asks atomic.Int32
	s := New(Config{Mode: TrueColor, Now: clock, RequestKeyFrame: func(string) { asks.Add(1) }})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 20, Height: 8}})
	garbage := make([]byte, 3000)
	_, _ = rand.Read(garbage)
	// A key frame header within the size cap, so the decoder sees the
	// frame, but whose first partition is longer than the frame: libvpx
	// must refuse it (random bytes alone it sometimes decodes).
	copy(garbage, keyFrameHeader(160, 120))
	tag := uint32(1<<4 | 0x7ffff<<5)
	garbage[0], garbage[1], garbage[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	pz := snd.pz
	for range 5 {
		for _, p := range pz.Packetize(garbage, 3000) {
			s.Push("p1", p)
		}
	}
	// A real frame pushes the last garbage frame out of the sample builder.
	for _, p := range snd.packets(patternFrame(w, h, 0), fps) {
		s.Push("p1", p)
	}
	st := waitStats(t, s, "p1", func(st PeerStats) bool { return st.DecodeErrors+st.Decoded >= 5 })
	if st.DecodeErrors == 0 {
		t.Fatalf("garbage decoded: %+v", st)
	}
	// The requester rate-limits (rtc.Session.RequestKeyFrame); the Sink
	// asks for every frame it could not decode or had to skip.
	// The stats count an ask just before the call, so by now every failed
	// frame but the last has reached the requester.
	if n := asks.Load(); n < 2 || uint64(n) > st.DecodeErrors+st.Skipped+1 {
		t.Errorf("%d key frame requests for %d failed and %d skipped frames, want about one each", n, st.DecodeErrors, st.Skipped)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	for n := 1; n < 3; n++ {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("p1", p)
		}
	}
	waitFrame(t, s, "p1", 5*time.Second)
}

// TestFrameRateLimit: a 30 fps stream is drawn at the 15 fps limit, and a
// slow UI taking frames late gets only the newest.
func TestFrameRateLimit(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := New(Config{FPS: 15, Mode: ASCII, Now: clock})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 20, Height: 8}})
	for n := range 31 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("p1", p)
		}
		// The sample builder releases frame n when frame n+1 arrives.
		waitStats(t, s, "p1", func(st PeerStats) bool { return st.Decoded >= uint64(n) })
		mu.Lock()
		now = now.Add(time.Second / fps)
		mu.Unlock()
	}
	st, _ := s.Stats("p1")
	if st.Decoded != 30 || st.Rendered < 14 || st.Rendered > 16 {
		t.Fatalf("30 frames at 30 fps: %+v, want 15 drawn", st)
	}
	if frames := s.Take(); len(frames) != 1 {
		t.Fatalf("Take returned %d frames for one peer", len(frames))
	}
	if frames := s.Take(); len(frames) != 0 {
		t.Fatalf("second Take returned %d frames", len(frames))
	}
}

// TestRemovePeerAndClose: a removed peer's frames are gone, Push after
// Close is ignored, and no goroutine is left (goleak in TestMain).
func TestRemovePeerAndClose(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	s := New(Config{Mode: Color256})
	s.SetTiles(map[string]Size{"a": {Width: 10, Height: 4}, "b": {Width: 10, Height: 4}})
	for n := range 3 {
		pkts := snd.packets(patternFrame(w, h, n), fps)
		for _, p := range pkts {
			s.Push("a", p)
			s.Push("b", p)
		}
	}
	waitStats(t, s, "a", func(st PeerStats) bool { return st.Rendered > 0 })
	waitStats(t, s, "b", func(st PeerStats) bool { return st.Rendered > 0 })
	s.RemovePeer("a")
	if _, ok := s.Stats("a"); ok {
		t.Error("removed peer still has a worker")
	}
	for _, f := range s.Take() {
		if f.PeerID == "a" {
			t.Error("frame of a removed peer")
		}
	}
	// Redraw at a new size without new video.
	s.SetTiles(map[string]Size{"b": {Width: 12, Height: 5}})
	f := waitFrame(t, s, "b", 5*time.Second)
	for f.Width != 12 {
		f = waitFrame(t, s, "b", 5*time.Second)
	}
	if len(f.Lines) != 5 {
		t.Fatalf("%d lines after resize", len(f.Lines))
	}
	_ = s.Close()
	s.Push("c", &rtp.Packet{Payload: []byte{0x10, 0}})
	if _, ok := s.Stats("c"); ok {
		t.Error("worker started after Close")
	}
}

// TestLocalPreview draws captured frames without decoding, rate-limited.
func TestLocalPreview(t *testing.T) {
	s := New(Config{Mode: TrueColor})
	defer s.Close()
	img := patternFrame(64, 48, 0)
	s.PushLocal(img) // no tile yet: ignored
	if len(s.Take()) != 0 {
		t.Fatal("preview drawn without a tile")
	}
	s.SetTiles(map[string]Size{Local: {Width: 16, Height: 6}})
	s.PushLocal(img)
	s.PushLocal(img) // too soon: dropped
	frames := s.Take()
	if len(frames) != 1 || frames[0].PeerID != Local || len(frames[0].Lines) != 6 {
		t.Fatalf("frames %+v", frames)
	}
	cells := parseCells(t, frames[0].Lines[3])
	if !near(cells[len(cells)-2].upper(), patRight, 20) {
		t.Errorf("preview colour %+v", cells[len(cells)-2])
	}
	// A new tile size redraws the stored copy at once.
	s.SetTiles(map[string]Size{Local: {Width: 8, Height: 3}})
	frames = s.Take()
	if len(frames) != 1 || frames[0].Width != 8 {
		t.Fatalf("after resize: %+v", frames)
	}
}
