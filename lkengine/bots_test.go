package lkengine

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/rtcterm/rtcterm/store"
)

// The test binary doubles as a process of SDK bots (LKENGINE_BOTS=N), so a
// benchmark can measure our engine's CPU apart from theirs.
const (
	envBots    = "LKENGINE_BOTS"
	envBotsURL = "LKENGINE_BOTS_URL"
	envBotRoom = "LKENGINE_BOTS_ROOM"
)

// runBotsIfAsked runs N publishing SDK bots until standard input closes,
// when the environment asks for it; it reports whether it did.
func runBotsIfAsked() bool {
	n, err := strconv.Atoi(os.Getenv(envBots))
	if err != nil || n <= 0 {
		return false
	}
	url, room := os.Getenv(envBotsURL), os.Getenv(envBotRoom)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rooms []*lksdk.Room
	for i := 0; i < n; i++ {
		r, err := lksdk.ConnectToRoom(url, lksdk.ConnectInfo{APIKey: testKey, APISecret: testSecret, RoomName: room,
			ParticipantIdentity: fmt.Sprintf("bot%02d", i)}, &lksdk.RoomCallback{}, lksdk.WithAutoSubscribe(false))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bot join:", err)
			os.Exit(1)
		}
		rooms = append(rooms, r)
		vt, _ := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
		at, _ := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
		if _, err := r.LocalParticipant.PublishTrack(vt, &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: fakeWidth, VideoHeight: fakeHeight}); err != nil {
			fmt.Fprintln(os.Stderr, "bot publish:", err)
			os.Exit(1)
		}
		if _, err := r.LocalParticipant.PublishTrack(at, &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE}); err != nil {
			fmt.Fprintln(os.Stderr, "bot publish:", err)
			os.Exit(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			vtick, atick := time.NewTicker(time.Second/fakeFPS), time.NewTicker(20*time.Millisecond)
			defer vtick.Stop()
			defer atick.Stop()
			for f := 0; ; {
				select {
				case <-stop:
					return
				case <-vtick.C:
					_ = vt.WriteSample(media.Sample{Data: fakeVP8(f%fakeFPS == 0, f), Duration: time.Second / fakeFPS}, nil)
					f++
				case <-atick.C:
					_ = at.WriteSample(media.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond}, nil)
				}
			}
		}()
	}
	fmt.Println("bots ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	close(stop)
	wg.Wait()
	for _, r := range rooms {
		r.Disconnect()
	}
	return true
}

// cpuTime is this process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWatchTwelvePublishers: our engine in a room where 12 LiveKit
// SDK bots (another process) publish VP8 and Opus. It reports our CPU
// share of one core while receiving everything into counting sinks —
// the engine's own cost (SFU transport, RTP reading, stats every second),
// not decoding or drawing, which videoview adds — and the frame rate and
// bitrate that arrive per participant.
func BenchmarkWatchTwelvePublishers(b *testing.B) {
	const bots = 12
	n := startNode(b, node1HTTP, node1UDP, false)
	for i := 0; i < b.N; i++ {
		room := fmt.Sprintf("twelve-%d", i)
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), envBots+"="+strconv.Itoa(bots), envBotsURL+"="+n.URL, envBotRoom+"="+room)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		me := joinEngine(b, n.URL, room, "watcher")
		waitFor(b, 60*time.Second, "12 publishers connected with video", func() bool {
			s, _ := me.w.snapshot()
			if store.SelectConnectedCount(s) < bots {
				return false
			}
			for id := range s.Connections {
				if me.video.count(id) < 30 {
					return false
				}
			}
			return true
		})
		s, _ := me.w.snapshot()
		for id := range s.Connections { // baselines for the rates
			_, _ = me.e.CollectStats(b.Context(), id)
		}
		const window = 5 * time.Second
		c0 := cpuTime()
		t0 := time.Now()
		var fps, kbps float64
		var samples int
		tick := time.NewTicker(time.Second) // the UI's stats interval
		for time.Since(t0) < window {
			<-tick.C
			s, _ := me.w.snapshot()
			for id := range s.Connections {
				st, err := me.e.CollectStats(b.Context(), id)
				if err != nil {
					b.Fatal(err)
				}
				fps += st.FramesPerSecond
				kbps += st.RecvKbps
				samples++
			}
		}
		tick.Stop()
		cpu := cpuTime() - c0
		elapsed := time.Since(t0)
		b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "cpu-%-of-core")
		b.ReportMetric(fps/float64(samples), "fps/peer")
		b.ReportMetric(kbps/float64(samples), "kbps/peer")
		me.leave(b)
		_ = stdin.Close()
		_ = cmd.Wait()
	}
}
