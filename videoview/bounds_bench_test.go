package videoview

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// benchPackets feeds b.N one-packet VP8 inter frames whose sequence numbers
// advance by step to push, 20 ms apart, and reports ns per packet.
func benchPackets(b *testing.B, step uint16, push func(*rtp.Packet)) {
	seq, ts := uint16(7), uint32(0)
	for b.Loop() {
		push(&rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: true, SSRC: 0xbad},
			Payload: []byte{0x10, 0x01, 0x00, 0x00},
		})
		seq += step
		ts += 1800
	}
}

// benchWorker is a worker without a goroutine or a tile: packet() runs the
// sequence guard and the sample builder, and stops before decoding.
func benchWorker(b *testing.B) (*worker, func(*rtp.Packet)) {
	now := time.Unix(1000, 0)
	s := New(Config{Now: func() time.Time { return now }})
	b.Cleanup(func() { _ = s.Close() })
	w := newWorker(s, "p")
	b.Cleanup(w.release)
	return w, func(p *rtp.Packet) {
		w.packet(p)
		now = now.Add(20 * time.Millisecond)
	}
}

// BenchmarkPacketInOrder is the worker's cost per packet of a normal
// stream (consecutive sequence numbers): the baseline for the jump case.
func BenchmarkPacketInOrder(b *testing.B) {
	_, push := benchWorker(b)
	benchPackets(b, 1, push)
}

// BenchmarkPacketSeqJump32000 is the worker's cost per packet when every
// packet jumps +32 000 (issue 15 row 8): held by the sequence guard, never
// purged through the sample builder.
func BenchmarkPacketSeqJump32000(b *testing.B) {
	w, push := benchWorker(b)
	benchPackets(b, 32000, push)
	st := w.stats()
	b.ReportMetric(float64(st.Jumps)/float64(st.Packets), "jumps/packet")
}

// BenchmarkSampleBuilderSeqJump32000 is what the worker did before the
// guard: Pion's samplebuilder fed +32 000 jumps directly, for comparison.
func BenchmarkSampleBuilderSeqJump32000(b *testing.B) {
	sb := newSampleBuilder()
	benchPackets(b, 32000, func(p *rtp.Packet) {
		sb.Push(p)
		for s := sb.Pop(); s != nil; s = sb.Pop() {
		}
	})
}
