package devices

import (
	"context"
	"errors"
	"fmt"
	"github.com/rtcterm/rtcterm/mediacodec"
	"image"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/mediadevices"
	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/internal/benchproc"
	"github.com/rtcterm/rtcterm/store"
)

// The sender of BenchmarkSenderCPU: 640x480 at 30 fps (rtcterm's default),
// VP8 at 800 kbps, video only (audio is one small Opus encoder in both
// designs and would only blur the comparison). On a 2-core machine the
// track-per-peer design with 7 peers needs more CPU than there is: its
// figure is then a lower bound, and recv-kbps-per-peer falls below the
// target bitrate, which shows it.
const (
	senderWidth  = 640
	senderHeight = 480
	senderFPS    = 30
	senderKbps   = 800
)

// Timing of one BenchmarkSenderCPU measurement: the CPU is read over
// senderCPUWindow, after senderWarmUp of media flowing to every receiver
// (so connection setup and the first key frames are not counted).
const (
	senderWarmUp    = 2 * time.Second
	senderCPUWindow = 5 * time.Second
)

// Designs compared by BenchmarkSenderCPU.
const (
	designEncodeOnce   = "encode-once"    // rtcterm: one encoder, one TrackLocalStaticSample on every peer connection
	designTrackPerPeer = "track-per-peer" // rejected: one mediadevices track added to each peer connection
)

// BenchmarkSenderCPU compares the CPU of ONE video sender with 1, 3 and 7
// remote peers for the two designs: rtcterm's encode-once Media and a
// mediadevices video track added to every peer connection (which builds
// one encoder per binding).
//
// Method: the sender runs in a child process (the test binary re-executed
// into TestSenderCPUHelper), and the receivers — plain Pion peer
// connections that read and discard RTP — run in this process. The
// sender's CPU is its utime+stime from /proc/<pid>/stat over a fixed
// window, so the receivers' work is not counted. Reported per run:
// cpu-pct-of-one-core, the VP8 encoders the sender built, the mean receive
// rate per peer (a check that every peer is really served), and from 3
// peers on cpu-x-vs-1-peer, the ratio to the same design's 1-peer figure
// (rtcterm's goal: under 2x at 7 peers), and cpu-pct-per-extra-peer, what
// each peer beyond the first adds. For encode-once that is the fan-out
// (packetizing, encrypting, RTCP) and depends on the bitrate, not on the
// frame size, so the ratio is worse for smaller, cheaper-to-encode video.
func BenchmarkSenderCPU(b *testing.B) {
	atOnePeer := map[string]float64{}
	for _, design := range []string{designEncodeOnce, designTrackPerPeer} {
		for _, peers := range []int{1, 3, 7} {
			b.Run(fmt.Sprintf("%s/peers=%d", design, peers), func(b *testing.B) {
				var cpu, kbps, encoders float64
				for range b.N {
					r := measureSenderCPU(b, design, peers)
					cpu += r.cpuPct
					kbps += r.recvKbpsPerPeer
					encoders = float64(r.encoders)
				}
				cpu /= float64(b.N)
				b.ReportMetric(cpu, "cpu-pct-of-one-core")
				b.ReportMetric(kbps/float64(b.N), "recv-kbps-per-peer")
				b.ReportMetric(encoders, "vp8-encoders")
				if peers == 1 {
					atOnePeer[design] = cpu
				} else if base := atOnePeer[design]; base > 0 {
					b.ReportMetric(cpu/base, "cpu-x-vs-1-peer")
					b.ReportMetric((cpu-base)/float64(peers-1), "cpu-pct-per-extra-peer")
				}
			})
		}
	}
}

// senderCPU is one measurement of BenchmarkSenderCPU.
type senderCPU struct {
	cpuPct          float64 // sender CPU over the window, percent of one core
	recvKbpsPerPeer float64 // mean RTP payload+header rate each receiver got
	encoders        int     // VP8 encoders the sender built
}

// senderMsg is what the sender child and the benchmark exchange.
type senderMsg struct {
	Offers   []webrtc.SessionDescription `json:"offers,omitempty"`
	Answers  []webrtc.SessionDescription `json:"answers,omitempty"`
	Encoders int                         `json:"encoders,omitempty"`
}

// measureSenderCPU starts a sender child for design with peers receivers
// and measures its CPU once.
func measureSenderCPU(b *testing.B, design string, peers int) senderCPU {
	b.Helper()
	child, err := benchproc.Start("TestSenderCPUHelper", design+":"+strconv.Itoa(peers))
	if err != nil {
		b.Fatal(err)
	}
	var receivers []*webrtc.PeerConnection
	var wg sync.WaitGroup
	defer func() {
		// The sender closes its connections first, then its track (the
		// order that keeps Pion from hanging); the receivers then close.
		if err := child.Stop(15 * time.Second); err != nil {
			b.Error(err)
		}
		for _, pc := range receivers {
			_ = pc.Close()
		}
		wg.Wait()
	}()

	var offers senderMsg
	if err := child.Recv(&offers, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	if len(offers.Offers) != peers {
		b.Fatalf("child sent %d offers, want %d", len(offers.Offers), peers)
	}
	api := loopbackAPI(b)
	received := make([]atomic.Int64, peers)
	var answers senderMsg
	for i, offer := range offers.Offers {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		receivers = append(receivers, pc)
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Ask for a key frame as a real receiver does on a new track.
				_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}})
				buf := make([]byte, 1500)
				for {
					n, _, err := tr.Read(buf)
					if err != nil {
						return
					}
					received[i].Add(int64(n))
				}
			}()
		})
		if err := pc.SetRemoteDescription(offer); err != nil {
			b.Fatal(err)
		}
		answer, err := pc.CreateAnswer(nil)
		if err != nil {
			b.Fatal(err)
		}
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(answer); err != nil {
			b.Fatal(err)
		}
		<-gathered
		answers.Answers = append(answers.Answers, *pc.LocalDescription())
	}
	if err := child.Send(answers); err != nil {
		b.Fatal(err)
	}
	var ready senderMsg
	if err := child.Recv(&ready, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	waitFor(b, "video at every receiver", func() bool {
		for i := range received {
			if received[i].Load() == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(senderWarmUp)

	bytesAt := func() (n int64) {
		for i := range received {
			n += received[i].Load()
		}
		return n
	}
	cpu0, err := child.CPU()
	if err != nil {
		b.Fatal(err)
	}
	t0, bytes0 := time.Now(), bytesAt()
	time.Sleep(senderCPUWindow)
	cpu1, err := child.CPU()
	if err != nil {
		b.Fatal(err)
	}
	elapsed, bytes1 := time.Since(t0), bytesAt()
	return senderCPU{
		cpuPct:          100 * float64(cpu1-cpu0) / float64(elapsed),
		recvKbpsPerPeer: float64(bytes1-bytes0) * 8 / 1000 / elapsed.Seconds() / float64(peers),
		encoders:        ready.Encoders,
	}
}

// TestSenderCPUHelper is the sender process of BenchmarkSenderCPU; run
// directly it skips. Its mode is "design:peers".
func TestSenderCPUHelper(t *testing.T) {
	mode := benchproc.Mode()
	if mode == "" {
		t.Skip("child process of BenchmarkSenderCPU")
	}
	// Exit here rather than return: the benchmark reads the child's
	// behaviour, not the test framework's verdict (goleak in TestMain would
	// also judge mediadevices' own goroutines).
	if err := runSender(t, mode); err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runSender builds one sender for the design in mode, offers one peer
// connection per receiver, sends until the parent closes stdin, and
// releases everything in the order the field notes require.
func runSender(t *testing.T, mode string) error {
	design, n, _ := strings.Cut(mode, ":")
	peers, err := strconv.Atoi(n)
	if err != nil || peers < 1 {
		return fmt.Errorf("bad mode %q", mode)
	}
	parent := benchproc.Connect()
	api := loopbackAPI(t)

	var (
		track    webrtc.TrackLocal
		encoders func() int
		keyFrame func() // PLI handler for encode-once (mediadevices reads RTCP itself)
		release  func() error
	)
	switch design {
	case designEncodeOnce:
		// Media exactly as Open builds it, with the bench camera in place
		// of a real one.
		camera := func(c Config) (videoSource, error) { return newBenchCamera(c.Width, c.Height, c.FPS), nil }
		noMic := func(Config) (audioSource, error) { return nil, errNoDevice }
		m, err := open(context.Background(), Config{Name: "sender", Video: true,
			Width: senderWidth, Height: senderHeight, FPS: senderFPS, VideoBitrateKbps: senderKbps},
			capturers{camera: camera, microphone: noMic})
		if err != nil {
			return err
		}
		track, keyFrame, release = m.VideoTrack(), m.RequestKeyFrame, m.Close
		encoders = func() int { return m.Stats().VideoEncoders }
	case designTrackPerPeer:
		enc, err := newCountingVP8(senderKbps, senderFPS)
		if err != nil {
			return err
		}
		src := newMediaVideoSource(newBenchCamera(senderWidth, senderHeight, senderFPS), senderWidth, senderHeight)
		mt := mediadevices.NewVideoTrack(src, mediadevices.NewCodecSelector(mediadevices.WithVideoEncoders(enc)))
		track, release = mt, mt.Close
		encoders = func() int { return int(enc.built.Load()) }
	default:
		return fmt.Errorf("unknown design %q", design)
	}

	var pcs []*webrtc.PeerConnection
	var wg sync.WaitGroup
	defer func() {
		for _, pc := range pcs {
			_ = pc.Close()
		}
		wg.Wait()
		_ = release()
	}()
	var offers senderMsg
	for range peers {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			return err
		}
		pcs = append(pcs, pc)
		s, err := pc.AddTrack(track)
		if err != nil {
			return err
		}
		if keyFrame != nil {
			wg.Add(1)
			go func() { defer wg.Done(); _ = mediacodec.ForwardKeyFrameRequests(s, keyFrame) }()
		}
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			return err
		}
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(offer); err != nil {
			return err
		}
		<-gathered
		offers.Offers = append(offers.Offers, *pc.LocalDescription())
	}
	if err := parent.Send(offers); err != nil {
		return err
	}
	var answers senderMsg
	if err := parent.Recv(&answers); err != nil {
		return fmt.Errorf("answers: %w", err)
	}
	if len(answers.Answers) != peers {
		return fmt.Errorf("%d answers for %d offers", len(answers.Answers), peers)
	}
	for i, a := range answers.Answers {
		if err := pcs[i].SetRemoteDescription(a); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !allPCsConnected(pcs) {
		if time.Now().After(deadline) {
			return errors.New("peer connections did not connect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := parent.Send(senderMsg{Encoders: encoders()}); err != nil {
		return err
	}
	// Send until the parent closes stdin.
	var stop senderMsg
	if err := parent.Recv(&stop); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// allPCsConnected reports whether every connection is connected.
func allPCsConnected(pcs []*webrtc.PeerConnection) bool {
	for _, pc := range pcs {
		if pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			return false
		}
	}
	return true
}

// countingVP8 builds VP8 encoders with the parameters rtcterm uses and
// counts how many were built, to show that a mediadevices track bound to N
// peer connections builds N encoders.
type countingVP8 struct {
	vpx.VP8Params
	built atomic.Int32
}

// newCountingVP8 returns the encoder builder for the track-per-peer design,
// configured like newVideoFeed.
func newCountingVP8(kbps, fps int) (*countingVP8, error) {
	params, err := vpx.NewVP8Params()
	if err != nil {
		return nil, err
	}
	params.BitRate = kbps * 1000
	params.RateControlEndUsage = vpx.RateControlCBR
	params.LagInFrames = 0
	params.ErrorResilient = vpx.ErrorResilientDefault
	params.KeyFrameInterval = fps * 10
	return &countingVP8{VP8Params: params}, nil
}

// BuildVideoEncoder counts and builds one encoder.
func (c *countingVP8) BuildVideoEncoder(r video.Reader, p prop.Media) (codec.ReadCloser, error) {
	c.built.Add(1)
	return c.VP8Params.BuildVideoEncoder(r, p)
}

// benchCamera stands in for a real camera: the test pattern with a patch
// of fresh pseudo-random noise in every frame, like sensor noise. The plain
// pattern is so static that VP8 needs only ~80 kbps for it, which would
// understate the per-peer cost of sending (packetizing and encrypting
// 800 kbps per peer); with the noise the encoder fills its 800 kbps budget
// as it does with a camera.
type benchCamera struct {
	pattern *patternSource
	patch   image.Rectangle
	rng     uint64
}

func newBenchCamera(w, h, fps int) *benchCamera {
	return &benchCamera{
		pattern: newPatternSource("sender", w, h, fps, time.Now),
		patch:   image.Rect(w/4, h/4, w*3/4, h*3/4),
		rng:     0x9e3779b97f4a7c15,
	}
}

// Next renders the pattern and adds noise of ±16 to the patch's luma.
func (c *benchCamera) Next(ctx context.Context) (image.Image, error) {
	img, err := c.pattern.Next(ctx)
	if err != nil {
		return nil, err
	}
	f := img.(*image.YCbCr)
	for y := c.patch.Min.Y; y < c.patch.Max.Y; y++ {
		row := f.Y[y*f.YStride+c.patch.Min.X : y*f.YStride+c.patch.Max.X]
		for x := 0; x < len(row); x += 8 {
			// xorshift64: eight noise bytes per step.
			c.rng ^= c.rng << 13
			c.rng ^= c.rng >> 7
			c.rng ^= c.rng << 17
			r := c.rng
			for k := x; k < min(x+8, len(row)); k++ {
				row[k] = uint8(min(max(int(row[k])+int(r&31)-16, 0), 255))
				r >>= 8
			}
		}
	}
	return f, nil
}

// Describe says what the source is.
func (c *benchCamera) Describe() store.Track {
	return store.Track{Kind: "video", Label: "bench camera", DeviceID: "bench"}
}

// Close stops the pattern; a blocked Next returns.
func (c *benchCamera) Close() error { return c.pattern.Close() }

// mediaVideoSource adapts a videoSource to a mediadevices VideoSource, so
// both designs encode the same frames paced the same way. mediadevices
// shares each frame among the encoders through a ring buffer, so every
// frame is copied into one of a few rotating buffers instead of being
// redrawn in place while an encoder may still read it (a 460 kB copy per
// frame, negligible next to encoding).
type mediaVideoSource struct {
	src  videoSource
	bufs [4]*image.YCbCr
	next int
}

func newMediaVideoSource(src videoSource, w, h int) *mediaVideoSource {
	s := &mediaVideoSource{src: src}
	for i := range s.bufs {
		s.bufs[i] = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	return s
}

// Read waits for the next frame; mediadevices calls it from one reader at a
// time.
func (s *mediaVideoSource) Read() (image.Image, func(), error) {
	img, err := s.src.Next(context.Background())
	if err != nil {
		return nil, func() {}, err
	}
	src, dst := img.(*image.YCbCr), s.bufs[s.next]
	s.next = (s.next + 1) % len(s.bufs)
	copy(dst.Y, src.Y)
	copy(dst.Cb, src.Cb)
	copy(dst.Cr, src.Cr)
	return dst, func() {}, nil
}

// ID names the source for mediadevices.
func (s *mediaVideoSource) ID() string { return "bench-camera" }

// Close stops the source; a blocked Read returns.
func (s *mediaVideoSource) Close() error { return s.src.Close() }
