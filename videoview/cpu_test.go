package videoview

import (
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeDraw3Peers15fps measures the CPU the video view's workers
// use for three peers each sending 640×480 VP8 at 15 fps, drawn into
// 52×43-cell truecolor tiles (three tiles side by side at 160×48): decode,
// scale and encode, in real time for three seconds. The stream is encoded
// beforehand, so the figure is the receiver's alone. Metric: cpu-% of one
// core (goal for the whole view, UI included: < 50).
func BenchmarkDecodeDraw3Peers15fps(b *testing.B) {
	const w, h, fps, peers = 640, 480, 15, 3
	snd := newVP8Sender(b, w, h, fps)
	var frames [][]*rtp.Packet
	for n := range 2 * fps {
		frames = append(frames, snd.packets(patternFrame(w, h, n), fps))
	}
	tile := Size{Width: 52, Height: 43}
	for b.Loop() {
		s := New(Config{FPS: fps, Mode: TrueColor})
		tiles := map[string]Size{}
		ids := []string{"p0", "p1", "p2"}
		for _, id := range ids {
			tiles[id] = tile
		}
		s.SetTiles(tiles)
		var seq uint16
		var ts uint32
		push := func(n int) {
			for _, p := range frames[n%len(frames)] {
				for _, id := range ids { // one stream per peer, numbered alike
					q := *p
					q.SequenceNumber, q.Timestamp = seq, ts
					s.Push(id, &q)
				}
				seq++
			}
			ts += 90000 / fps
		}
		start, cpu0 := time.Now(), cpuTime(b)
		tick := time.NewTicker(time.Second / fps)
		for n := 0; time.Since(start) < 3*time.Second; n++ {
			push(n)
			<-tick.C
		}
		tick.Stop()
		wall, cpu := time.Since(start), cpuTime(b)-cpu0
		var decoded, drawn uint64
		for _, id := range ids {
			st, _ := s.Stats(id)
			decoded += st.Decoded
			drawn += st.Rendered
		}
		_ = s.Close()
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
		b.ReportMetric(float64(decoded)/wall.Seconds()/peers, "decoded-fps/peer")
		b.ReportMetric(float64(drawn)/wall.Seconds()/peers, "drawn-fps/peer")
	}
}
