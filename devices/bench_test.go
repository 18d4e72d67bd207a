package devices

import (
	"testing"
	"time"
)

// BenchmarkEncodeVP8 is the CPU of encoding one 640x480 test pattern frame
// at 800 kbps (render included); one op is one frame.
func BenchmarkEncodeVP8(b *testing.B) {
	now := time.Unix(0, 0)
	src := newPatternSource("bench", 640, 480, 30, func() time.Time { return now })
	feed, err := newVideoFeed(src, 640, 480, 30, 800)
	if err != nil {
		b.Fatal(err)
	}
	defer feed.close()
	var bytes int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		now = now.Add(33 * time.Millisecond)
		src.render(now)
		data, _, err := feed.encode(src.frame, i == 0)
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(data)
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
}

// BenchmarkRenderPattern is the CPU of drawing one test pattern frame.
func BenchmarkRenderPattern(b *testing.B) {
	src := newPatternSource("bench", 640, 480, 30, time.Now)
	defer src.Close()
	t := time.Unix(0, 0)
	for b.Loop() {
		t = t.Add(33 * time.Millisecond)
		src.render(t)
	}
}

// BenchmarkMix20ms is the CPU of decoding and mixing 20 ms from 4 peers.
func BenchmarkMix20ms(b *testing.B) {
	pkts := sinePackets(b, 440, 0.3, 50, 1)
	out := &testOutput{}
	p := NewPlayer(PlayerConfig{Output: out})
	defer p.Close()
	buf := make([]int16, mixChunk)
	peers := []string{"a", "b", "c", "d"}
	seq := uint16(0)
	for i := 0; b.Loop(); i++ {
		for _, id := range peers {
			pkt := *pkts[i%len(pkts)]
			pkt.SequenceNumber = seq
			p.Push(id, &pkt)
		}
		seq++
		out.fill(buf)
	}
}
