package rtc

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/pion/transport/v5/packetio"
)

// maxSSRCsPerConnection bounds the SSRCs of one connection whose packets
// are buffered. rtcterm sends two (audio, video) and a browser a few more;
// a peer inventing SSRCs (issue 15 row 3: 40 000 of them) gets each new
// one a read stream in Pion's SRTP session, and with Pion's default buffer
// its first packet allocates 2 KB and more that nobody ever reads. Beyond
// the bound a new SSRC gets a buffer that refuses every packet and holds
// nothing (Pion's SRTP session drops a packet its buffer refuses), which
// leaves Pion's own per-SSRC state — read streams and
// replay windows, not freed before the connection closes — as the cost.
const maxSSRCsPerConnection = 16

// Pion's own buffer limits (pion/srtp), kept for the SSRCs within the bound.
const (
	rtpBufferLimit  = 1000 * 1000
	rtcpBufferLimit = 100 * 1000
)

// ssrcBufferFactory returns a webrtc.SettingEngine.BufferFactory for one
// connection: the first maxSSRCs distinct SSRCs get Pion's usual buffers,
// every later one a buffer that holds nothing; refused counts those.
func ssrcBufferFactory(maxSSRCs int, refused *atomic.Uint64) func(packetio.BufferPacketType, uint32) io.ReadWriteCloser {
	var mu sync.Mutex
	seen := make(map[uint32]struct{}, maxSSRCs) // at most maxSSRCs entries
	return func(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
		mu.Lock()
		_, known := seen[ssrc]
		keep := known || len(seen) < maxSSRCs
		if keep && !known {
			seen[ssrc] = struct{}{}
		}
		mu.Unlock()
		if !keep {
			if kind == packetio.RTPBufferPacket {
				refused.Add(1)
			}
			return &refusingBuffer{done: make(chan struct{})}
		}
		b := packetio.NewBuffer()
		switch kind {
		case packetio.RTCPBufferPacket:
			b.SetLimitSize(rtcpBufferLimit)
		default:
			b.SetLimitSize(rtpBufferLimit)
		}
		return attrBuffer{b}
	}
}

// refusingBuffer is the buffer of an SSRC beyond the bound: it refuses
// every packet (pion/srtp drops a packet on packetio.ErrFull) and a read
// waits until the stream is closed. It is a fraction of a packetio.Buffer's
// size, for there may be tens of thousands of them.
type refusingBuffer struct {
	once sync.Once
	done chan struct{}
}

func (b *refusingBuffer) Read([]byte) (int, error) {
	<-b.done
	return 0, io.EOF
}

func (b *refusingBuffer) Write([]byte) (int, error) { return 0, packetio.ErrFull }

func (b *refusingBuffer) Close() error {
	b.once.Do(func() { close(b.done) })
	return nil
}

// attrBuffer is a packetio.Buffer as the io.ReadWriteCloser Pion's
// BufferFactory returns, keeping the packet attributes Pion passes along.
type attrBuffer struct{ *packetio.Buffer }

func (b attrBuffer) Read(p []byte) (int, error) {
	n, _, err := b.Buffer.Read(p, nil)
	return n, err
}

func (b attrBuffer) Write(p []byte) (int, error) { return b.Buffer.Write(p, nil) }

// ReadWithAttributes and WriteWithAttributes are what pion/srtp looks for
// to carry attributes through a custom buffer.
func (b attrBuffer) ReadWithAttributes(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	return b.Buffer.Read(p, attrs)
}

func (b attrBuffer) WriteWithAttributes(p []byte, attrs packetio.Attributes) (int, error) {
	return b.Buffer.Write(p, attrs)
}
