package rtc

import (
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5/packetio"
)

// TestSSRCBufferFactoryBounds: the first SSRCs of a connection, RTP and
// RTCP alike, get buffers that hold packets; every later SSRC's buffer
// refuses its packets with packetio.ErrFull (which pion/srtp drops) and
// holds nothing, and its reads end when it is closed.
func TestSSRCBufferFactoryBounds(t *testing.T) {
	var refused atomic.Uint64
	factory := ssrcBufferFactory(2, &refused)
	pkt := []byte{0x80, 0x60, 0, 1}
	for _, ssrc := range []uint32{10, 11} {
		for _, kind := range []packetio.BufferPacketType{packetio.RTPBufferPacket, packetio.RTCPBufferPacket} {
			b := factory(kind, ssrc)
			if _, err := b.Write(pkt); err != nil {
				t.Fatalf("ssrc %d kind %d within the bound: %v", ssrc, kind, err)
			}
			got := make([]byte, 16)
			if n, err := b.Read(got); err != nil || n != len(pkt) {
				t.Fatalf("ssrc %d: read %d, %v", ssrc, n, err)
			}
			_ = b.Close()
		}
	}
	if refused.Load() != 0 {
		t.Fatalf("%d refused within the bound", refused.Load())
	}
	for ssrc := uint32(100); ssrc < 1100; ssrc++ {
		b := factory(packetio.RTPBufferPacket, ssrc)
		if _, err := b.Write(pkt); !errors.Is(err, packetio.ErrFull) {
			t.Fatalf("ssrc %d beyond the bound: write %v, want ErrFull", ssrc, err)
		}
		if _, ok := b.(*refusingBuffer); !ok {
			t.Fatalf("ssrc %d beyond the bound got a %T", ssrc, b)
		}
		_ = b.Close()
	}
	if refused.Load() != 1000 {
		t.Fatalf("refused %d, want 1000", refused.Load())
	}
	// A known SSRC keeps its place: a second stream for it (RTCP, or the
	// RTP stream reopened) is buffered as before.
	if _, err := factory(packetio.RTCPBufferPacket, 10).Write(pkt); err != nil {
		t.Fatalf("known ssrc refused: %v", err)
	}
	b := factory(packetio.RTPBufferPacket, 5000)
	read := make(chan error, 1)
	go func() { _, err := b.Read(make([]byte, 16)); read <- err }()
	_ = b.Close()
	select {
	case err := <-read:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close did not end the read")
	}
}
