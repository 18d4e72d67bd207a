package videoview

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// keyFrameHeader is the 10-byte header of a VP8 key frame declaring w×h
// (RFC 6386 §9.1): frame tag (key frame, version 0, shown, first partition
// of 100 bytes), start code, then 14-bit sizes with the scale bits set, as
// a hostile peer may.
func keyFrameHeader(w, h int) []byte {
	tag := uint32(0) | 1<<4 | 100<<5
	return []byte{
		byte(tag), byte(tag >> 8), byte(tag >> 16),
		0x9d, 0x01, 0x2a,
		byte(w), byte(w>>8) | 0xc0,
		byte(h), byte(h>>8) | 0xc0,
	}
}

func TestKeyFrameSize(t *testing.T) {
	hdr := keyFrameHeader(16383, 16383)
	if w, h, err := keyFrameSize(hdr); err != nil || w != 16383 || h != 16383 {
		t.Fatalf("16383×16383 header: %d×%d %v", w, h, err)
	}
	if err := checkKeyFrame(hdr, DefaultMaxWidth, DefaultMaxHeight); !errors.Is(err, errKeyFrameTooLarge) {
		t.Fatalf("16383×16383 passed the cap: %v", err)
	}
	for _, c := range []struct {
		w, h int
		ok   bool
	}{
		{1920, 1080, true}, {1920, 1088, true}, {1080, 1920, true}, {320, 240, true},
		{1921, 1080, false}, {1920, 1089, false}, {1089, 1921, false}, {4096, 16, false},
	} {
		err := checkKeyFrame(keyFrameHeader(c.w, c.h), DefaultMaxWidth, DefaultMaxHeight)
		if (err == nil) != c.ok {
			t.Errorf("%d×%d: %v, want ok=%v", c.w, c.h, err, c.ok)
		}
	}
	bad := keyFrameHeader(320, 240)
	bad[4] = 0
	if err := checkKeyFrame(bad, DefaultMaxWidth, DefaultMaxHeight); !errors.Is(err, errKeyFrameStartCode) {
		t.Errorf("bad start code: %v", err)
	}
	if err := checkKeyFrame(hdr[:9], DefaultMaxWidth, DefaultMaxHeight); !errors.Is(err, errKeyFrameShort) {
		t.Errorf("short header: %v", err)
	}
	if err := checkKeyFrame(keyFrameHeader(0, 240), DefaultMaxWidth, DefaultMaxHeight); !errors.Is(err, errKeyFrameEmpty) {
		t.Errorf("zero width: %v", err)
	}
}

// hostileFrames packetizes n 121-byte key frames declaring 16383×16383, as
// the attack in issue 15 sent them.
func hostileFrames(n int) []*rtp.Packet {
	pz := rtp.NewPacketizer(1200, 96, 0xbad, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewFixedSequencer(1000), 90000)
	var out []*rtp.Packet
	for range n {
		frame := make([]byte, 121)
		copy(frame, keyFrameHeader(16383, 16383))
		for i := keyFrameHeaderLen; i < len(frame); i++ {
			frame[i] = byte(i * 37)
		}
		out = append(out, pz.Packetize(frame, 45000)...)
	}
	return out
}

// TestOversizeKeyFrameRefused: key frames declaring 16383×16383 are
// counted as refused and the decoder is never opened; a real 320×240
// stream that follows is decoded (the call goes on).
func TestOversizeKeyFrameRefused(t *testing.T) {
	const w, h, fps = 320, 240, 30
	snd := newVP8Sender(t, w, h, fps)
	var asks atomic.Int32
	s := New(Config{Mode: TrueColor, RequestKeyFrame: func(string) { asks.Add(1) }})
	defer s.Close()
	s.SetTiles(map[string]Size{"evil": {Width: 20, Height: 8}})
	for _, p := range hostileFrames(10) {
		s.Push("evil", p)
	}
	// The sample builder holds the tenth frame until a later packet.
	st := waitStats(t, s, "evil", func(st PeerStats) bool { return st.Refused >= 9 })
	if st.Decoded != 0 || st.DecodeErrors != 0 || st.DecoderOpens != 0 {
		t.Fatalf("oversize key frames reached the decoder: %+v", st)
	}
	if asks.Load() == 0 || st.KeyFrameAsks == 0 {
		t.Errorf("no key frame asked for after a refused one: %+v", st)
	}
	// The same peer's stream restarts with valid frames (their own
	// sequence numbers: a restart far from the hostile ones).
	for n := range 4 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("evil", p)
		}
	}
	st = waitStats(t, s, "evil", func(st PeerStats) bool { return st.Decoded >= 1 })
	if st.Width != w || st.Height != h || st.DecoderOpens != 1 {
		t.Fatalf("after refused frames: %+v", st)
	}
}

// TestSizeCapConfigurable: a cap below the stream's size refuses it.
func TestSizeCapConfigurable(t *testing.T) {
	const w, h, fps = 320, 240, 30
	snd := newVP8Sender(t, w, h, fps)
	s := New(Config{Mode: TrueColor, MaxWidth: 160, MaxHeight: 120})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 20, Height: 8}})
	for n := range 3 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("p1", p)
		}
	}
	st := waitStats(t, s, "p1", func(st PeerStats) bool { return st.Refused+st.Skipped >= 2 })
	if st.Refused != 1 || st.Decoded != 0 || st.DecoderOpens != 0 {
		t.Fatalf("320×240 under a 160×120 cap: %+v", st)
	}
}

// jumpPackets are n packets whose sequence numbers each jump step ahead
// of the last, 20 ms apart in RTP time, with one-packet VP8 inter frames.
func jumpPackets(n int, step uint16) []*rtp.Packet {
	var out []*rtp.Packet
	seq, ts := uint16(7), uint32(0)
	for range n {
		out = append(out, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: true, SSRC: 0xbad},
			Payload: []byte{0x10, 0x01, 0x00, 0x00},
		})
		seq += step
		ts += 1800
	}
	return out
}

// TestSequenceJumpsBounded pushes 2000 packets each +32 000 ahead of the
// last, as the attack in issue 15 did. Only the packets that land within
// the window of the stream's first one (every 256th: 32 000·256 is a
// multiple of 2^16) may reach the sample builder; every other one is held
// as a jump, and since none follows the held one, no fresh builder is
// made. So the builder never spans more than its window and does no
// purge across a jump.
func TestSequenceJumpsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	s := New(Config{Now: func() time.Time { return now }})
	defer s.Close()
	s.SetTiles(map[string]Size{"evil": {Width: 20, Height: 8}})
	w := newWorker(s, "evil") // driven synchronously: no goroutine
	pkts := jumpPackets(2000, 32000)
	var inWindow uint64
	for _, p := range pkts {
		if d := int16(p.SequenceNumber - pkts[0].SequenceNumber); d >= -maxLatePackets && d <= maxLatePackets {
			inWindow++
		}
		w.packet(p)
		now = now.Add(20 * time.Millisecond)
	}
	st := w.stats()
	if inWindow != 8 || st.Packets != 2000 || st.Jumps != 2000-inWindow || st.SeqResets != 0 {
		t.Fatalf("2000 jumps of +32000 (%d in the window): %+v", inWindow, st)
	}
	w.release()
}

// TestSequenceRestartsRateLimited: a peer that restarts its numbering on
// every second packet (jump, then its successor) gets a fresh sample
// builder at most once per resetGap; the rest are dropped as jumps.
func TestSequenceRestartsRateLimited(t *testing.T) {
	now := time.Unix(1000, 0)
	s := New(Config{Now: func() time.Time { return now }})
	defer s.Close()
	s.SetTiles(map[string]Size{"evil": {Width: 20, Height: 8}})
	w := newWorker(s, "evil")
	const pairs = 1000
	for i, p := range jumpPackets(2*pairs, 1) {
		p.SequenceNumber += uint16(i/2) * 20000 // each pair 20 002 from the last
		w.packet(p)
		now = now.Add(20 * time.Millisecond)
	}
	st := w.stats()
	// The first pair starts the stream. A pair takes 40 ms and resets are
	// 200 ms apart, so pairs 1, 6, 11, … 996 restart: 200 in 40 s.
	if st.SeqResets != 200 || st.Jumps+st.SeqResets != 2*pairs-2 {
		t.Fatalf("%d restarts in 40 s: %+v, want 200 resets", pairs, st)
	}
	w.release()
}

// TestSequenceRestartKeepsVideo: a sender whose numbering jumps by 30 000
// mid-stream (a restarted stream, or a long outage) is followed after one
// fresh sample builder, with a key frame.
func TestSequenceRestartKeepsVideo(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	s := New(Config{Mode: TrueColor, RequestKeyFrame: snd.requestKeyFrame})
	defer s.Close()
	s.SetTiles(map[string]Size{"p1": {Width: 20, Height: 8}})
	for n := range 3 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("p1", p)
		}
	}
	before := waitStats(t, s, "p1", func(st PeerStats) bool { return st.Decoded >= 2 })
	snd.requestKeyFrame("p1")
	for n := 3; n < 8; n++ {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			p.SequenceNumber += 30000
			s.Push("p1", p)
		}
	}
	st := waitStats(t, s, "p1", func(st PeerStats) bool { return st.Decoded >= before.Decoded+3 })
	if st.SeqResets != 1 || st.DecodeErrors != 0 {
		t.Fatalf("after a +30000 restart: %+v", st)
	}
}

// TestUndrawnPeerNotDecoded: a peer without a tile is never decoded (no
// decoder opened, no frame); when its tile appears a key frame is asked
// for at once, and video follows.
func TestUndrawnPeerNotDecoded(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	var mu sync.Mutex
	var asked []string
	s := New(Config{Mode: TrueColor, RequestKeyFrame: func(id string) {
		mu.Lock()
		asked = append(asked, id)
		mu.Unlock()
		snd.requestKeyFrame(id)
	}})
	defer s.Close()
	s.SetTiles(map[string]Size{"other": {Width: 20, Height: 8}})
	var sent uint64
	for n := range 10 {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("hidden", p)
			sent++
		}
	}
	st, ok := s.Stats("hidden")
	if !ok || st.Undrawn != sent || st.Packets != 0 || st.Decoded != 0 || st.DecoderOpens != 0 {
		t.Fatalf("peer without a tile: ok=%v %+v (sent %d)", ok, st, sent)
	}
	mu.Lock()
	n := len(asked)
	mu.Unlock()
	if n != 0 {
		t.Fatalf("%d key frame requests for a hidden peer", n)
	}
	s.SetTiles(map[string]Size{"other": {Width: 20, Height: 8}, "hidden": {Width: 20, Height: 8}})
	waitStats(t, s, "hidden", func(st PeerStats) bool { return st.KeyFrameAsks == 1 })
	mu.Lock()
	if len(asked) != 1 || asked[0] != "hidden" {
		t.Errorf("requests %v, want one for hidden", asked)
	}
	mu.Unlock()
	for n := 10; n < 13; n++ {
		for _, p := range snd.packets(patternFrame(w, h, n), fps) {
			s.Push("hidden", p)
		}
	}
	waitFrame(t, s, "hidden", 5*time.Second)
}

// TestHiddenTileFreesDecoder: when a drawn peer's tile goes away its
// decoder is closed; when it comes back, a key frame is asked for and a
// new decoder shows video again.
func TestHiddenTileFreesDecoder(t *testing.T) {
	const w, h, fps = 160, 120, 30
	snd := newVP8Sender(t, w, h, fps)
	var asks atomic.Int32
	s := New(Config{Mode: TrueColor, RequestKeyFrame: func(id string) { asks.Add(1); snd.requestKeyFrame(id) }})
	defer s.Close()
	tile := map[string]Size{"p1": {Width: 20, Height: 8}}
	s.SetTiles(tile)
	push := func(from, to int) {
		for n := from; n < to; n++ {
			for _, p := range snd.packets(patternFrame(w, h, n), fps) {
				s.Push("p1", p)
			}
		}
	}
	push(0, 3)
	waitStats(t, s, "p1", func(st PeerStats) bool { return st.Decoded >= 2 })
	s.SetTiles(nil)
	st := waitStats(t, s, "p1", func(st PeerStats) bool { return st.DecoderCloses == 1 })
	if st.DecoderOpens != 1 {
		t.Fatalf("after hiding: %+v", st)
	}
	push(3, 6)
	st = waitStats(t, s, "p1", func(st PeerStats) bool { return st.Undrawn > 0 })
	asked := asks.Load()
	s.SetTiles(tile)
	waitStats(t, s, "p1", func(st PeerStats) bool { return st.KeyFrameAsks > 0 && asks.Load() > asked })
	decoded := st.Decoded
	push(6, 9)
	waitStats(t, s, "p1", func(st PeerStats) bool { return st.DecoderOpens == 2 && st.Decoded > decoded })
}
