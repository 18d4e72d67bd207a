package tui

import (
	"image"
	"image/color"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/videoview"
)

// movingSource is a VideoSource that offers pre-drawn frames of a moving
// gradient (every cell changes every frame: the renderer's worst case) for
// every tile, at a fixed rate.
type movingSource struct {
	mu     sync.Mutex
	frames map[string][]VideoFrame // per tile, a loop of frames
	set    chan struct{}
	ready  chan struct{}
	next   []VideoFrame
}

func (s *movingSource) SetTiles(tiles map[string]TileSize) {
	frames := map[string][]VideoFrame{}
	for id, sz := range tiles {
		for n := range 15 {
			img := image.NewRGBA(image.Rect(0, 0, 640, 480))
			for y := range 480 {
				for x := range 640 {
					img.SetRGBA(x, y, color.RGBA{uint8(x/3 + n*17), uint8(y/2 + n*5), uint8((x + y + n*40) / 5), 255})
				}
			}
			lines := videoview.Render(img, sz.Width, sz.Height, videoview.TrueColor)
			frames[id] = append(frames[id], VideoFrame{PeerID: id, Width: sz.Width, Height: sz.Height, Lines: lines})
		}
	}
	s.mu.Lock()
	s.frames = frames
	s.mu.Unlock()
	if len(tiles) > 0 {
		select {
		case s.set <- struct{}{}:
		default:
		}
	}
}

func (s *movingSource) Ready() <-chan struct{} { return s.ready }

func (s *movingSource) Take() []VideoFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.next
	s.next = nil
	return f
}

// offer makes frame n of every tile the newest.
func (s *movingSource) offer(n int) {
	s.mu.Lock()
	s.next = s.next[:0:0]
	for _, loop := range s.frames {
		s.next = append(s.next, loop[n%len(loop)])
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVideoViewProgram measures the CPU of the whole Bubble Tea
// program in the video view at 160×48 with three peers whose frames change
// completely 15 times a second: forwarding, Update, View and Bubble Tea's
// renderer writing the diff (to io.Discard), in real time for three
// seconds. Drawing the frames is the video workers' cost
// (videoview.BenchmarkDecodeDraw3Peers15fps); the sum of the two is the
// video view's. Metric: cpu-% of one core.
func BenchmarkVideoViewProgram(b *testing.B) {
	for b.Loop() {
		eng := newFakeEngine(b)
		src := &movingSource{set: make(chan struct{}, 1), ready: make(chan struct{}, 1)}
		in, keys, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		opts := Options{Engine: eng, Initial: callState(3), Now: func() time.Time { return t0 }, StatsInterval: 10 * time.Millisecond, Video: src}
		done := make(chan error, 1)
		go func() {
			done <- run(b.Context(), opts, nil, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(160, 48))
		}()
		if _, err := keys.Write([]byte("t")); err != nil {
			b.Fatal(err)
		}
		<-src.set
		start, cpu0 := time.Now(), cpuTime(b)
		tick := time.NewTicker(time.Second / 15)
		for n := 0; time.Since(start) < 3*time.Second; n++ {
			src.offer(n)
			<-tick.C
		}
		tick.Stop()
		wall, cpu := time.Since(start), cpuTime(b)-cpu0
		if _, err := keys.Write([]byte("qq")); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		in.Close()
		keys.Close()
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
	}
}
