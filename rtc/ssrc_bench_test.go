package rtc

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/internal/benchproc"
)

// ssrcSpray is an interceptor for the hostile sender: while on, every
// outgoing video packet carries an SSRC never used before.
type ssrcSpray struct {
	interceptor.NoOp
	on   atomic.Bool
	next atomic.Uint32
}

func (s *ssrcSpray) NewInterceptor(string) (interceptor.Interceptor, error) { return s, nil }

func (s *ssrcSpray) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if !s.on.Load() {
			return w.Write(h, payload, a)
		}
		sprayed := *h
		sprayed.SSRC = 0x40000000 + s.next.Add(1)
		return w.Write(&sprayed, payload, a)
	})
}

// ssrcMsg is what BenchmarkSSRCFlood and its victim child exchange.
type ssrcMsg struct {
	Step      string  `json:"step"` // "connected", "heap"
	HeapInuse uint64  `json:"heapInuse,omitempty"`
	Dropped   Dropped `json:"dropped"`
}

// ssrcFlood is how many distinct SSRCs the hostile peer sends.
const ssrcFlood = 40000

// BenchmarkSSRCFlood (issue 15 row 3): a peer sends one small packet on
// each of 40 000 SSRCs. The victim session runs alone in a child process
// and reports its heap in use, after garbage collection, once the call is
// up and again two seconds after the flood; heap-MB is the growth and
// bytes-per-ssrc the growth per SSRC.
func BenchmarkSSRCFlood(b *testing.B) {
	var growth, rss, refused float64
	for range b.N {
		heap, r, n := ssrcFloodOnce(b)
		growth += float64(heap)
		rss += float64(r)
		refused += float64(n)
	}
	b.ReportMetric(growth/float64(b.N)/1e6, "heap-MB")
	b.ReportMetric(rss/float64(b.N)/1e6, "rss-MB")
	b.ReportMetric(growth/float64(b.N)/ssrcFlood, "bytes-per-ssrc")
	b.ReportMetric(refused/float64(b.N), "ssrcs-refused")
}

// ssrcFloodOnce returns the victim's growth in heap in use and in
// resident memory, and how many SSRCs it refused.
func ssrcFloodOnce(b *testing.B) (heap, rss int64, refused uint64) {
	url := benchServer(b)
	child, err := benchproc.Start("TestSSRCVictimHelper", "ssrc", memURLEnv+"="+url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := child.Stop(15 * time.Second); err != nil {
			b.Error(err)
		}
	}()
	spray := &ssrcSpray{}
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		b.Fatal(err)
	}
	reg := &interceptor.Registry{}
	reg.Add(spray)
	raw := startRawPeerWith(b, url, "ssrc", webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(loopbackSettings())))
	select {
	case <-raw.remote:
	case <-time.After(30 * time.Second):
		b.Fatal("no ready-for-offer from the victim")
	}
	raw.offer(false)
	var m ssrcMsg
	if err := child.Recv(&m, 60*time.Second); err != nil || m.Step != "connected" {
		b.Fatalf("victim not connected: %v %s", err, child.StderrTail())
	}
	before := m.HeapInuse
	rss0 := vmRSS(b, child.Pid())
	spray.on.Store(true)
	for range ssrcFlood {
		if err := raw.media.video.WriteSample(media.Sample{Data: []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, Duration: time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		if spray.next.Load()%100 == 0 {
			time.Sleep(time.Millisecond) // paced, so that the loopback socket drops (almost) nothing
		}
	}
	spray.on.Store(false)
	time.Sleep(2 * time.Second)
	if err := child.Send(ssrcMsg{Step: "heap"}); err != nil {
		b.Fatal(err)
	}
	if err := child.Recv(&m, 60*time.Second); err != nil || m.Step != "heap" {
		b.Fatalf("no heap reading: %v %s", err, child.StderrTail())
	}
	rss1 := vmRSS(b, child.Pid())
	b.Logf("victim heap %d → %d bytes, RSS %d → %d after %d SSRCs sent; dropped %+v", before, m.HeapInuse, rss0, rss1, spray.next.Load(), m.Dropped)
	return int64(m.HeapInuse) - int64(before), rss1 - rss0, m.Dropped.SSRCs
}

// vmRSS reads a process's resident set size from /proc.
func vmRSS(b *testing.B, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// heapInuse is the heap in use after collecting garbage.
func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestSSRCVictimHelper is the victim of BenchmarkSSRCFlood; run directly
// it skips.
func TestSSRCVictimHelper(t *testing.T) {
	if benchproc.Mode() != "ssrc" {
		t.Skip("child process of BenchmarkSSRCFlood")
	}
	if err := runSSRCVictim(os.Getenv(memURLEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "ssrc victim:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runSSRCVictim(url string) error {
	parent := benchproc.Connect()
	media := newFakeMedia()
	defer func() { _ = media.Close() }()
	s := New(testConfig(url, "ssrc", "victim", media))
	go func() {
		for range s.Actions() {
		}
	}()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	defer func() {
		_ = s.Close()
		<-runErr
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ids := s.peerIDs()
		if len(ids) == 1 {
			if p := s.peerByID(ids[0]); p != nil && p.frames.Load() > 10 {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no media from the sender within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if err := parent.Send(ssrcMsg{Step: "connected", HeapInuse: heapInuse()}); err != nil {
		return err
	}
	var req ssrcMsg
	if err := parent.Recv(&req); err != nil {
		return err
	}
	return parent.Send(ssrcMsg{Step: "heap", HeapInuse: heapInuse(), Dropped: s.Dropped()})
}
