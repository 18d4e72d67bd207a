package rtc

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/internal/benchproc"
	"github.com/rtcterm/rtcterm/signal"
	"github.com/rtcterm/rtcterm/store"
)

// floodURLEnv gives the flood victim child the hostile server's URL.
const floodURLEnv = "RTCTERM_BENCH_FLOOD_URL"

// floodMsg is what the flood benchmark and its victim child exchange.
type floodMsg struct {
	Step    string  `json:"step"`              // "joined", "handled", "closed"
	CloseMs float64 `json:"closeMs,omitempty"` // how long Close took
	Peers   int     `json:"peers,omitempty"`   // peers the session kept
	Dropped Dropped `json:"dropped"`
}

// floodBench measures one session (the victim, alone in a child process
// so that its CPU time is its own) against a hostile server in this
// process that sends, after the welcome (peer "h") and the victim's
// ready-for-offer, the n messages msg returns and then a peer-joined for
// "marker". It reports the victim's CPU time from the first message to
// the marker (cpu-s/flood, and per message), the wall time of the flood,
// and how long Close took after it. A reader reduces every action into a
// store and lists the peers, as a UI would.
func floodBench(b *testing.B, n int, msg func(i int) signal.Message) {
	b.Helper()
	var cpu, wall time.Duration
	var closing float64
	for range b.N {
		begin := make(chan struct{})
		url := startHostileServer(b, []signal.PeerInfo{{PeerID: "h", UserName: "h"}}, func(c *hostileConn) {
			if c.waitFor(signal.TypeReadyForOffer) == nil {
				return
			}
			<-begin
			for i := range n {
				if !c.send(b, msg(i)) {
					return
				}
			}
			c.send(b, &signal.PeerJoined{PeerID: "marker", UserName: "m"})
		})
		child, err := benchproc.Start("TestFloodVictimHelper", "flood", floodURLEnv+"="+url)
		if err != nil {
			b.Fatal(err)
		}
		var m floodMsg
		if err := child.Recv(&m, 30*time.Second); err != nil || m.Step != "joined" {
			b.Fatalf("victim did not join: %v %s", err, child.StderrTail())
		}
		time.Sleep(200 * time.Millisecond) // the ready-for-offer reaches the script
		cpu0, _ := child.CPU()
		start := time.Now()
		close(begin)
		if err := child.Recv(&m, 300*time.Second); err != nil || m.Step != "handled" {
			b.Fatalf("flood not handled: %v %s", err, child.StderrTail())
		}
		wall += time.Since(start)
		cpu1, _ := child.CPU()
		cpu += cpu1 - cpu0
		if err := child.Send(floodMsg{Step: "close"}); err != nil {
			b.Fatal(err)
		}
		if err := child.Recv(&m, 30*time.Second); err != nil || m.Step != "closed" {
			b.Fatalf("victim did not close: %v %s", err, child.StderrTail())
		}
		closing += m.CloseMs
		b.Logf("victim kept %d peers; dropped %+v", m.Peers, m.Dropped)
		if err := child.Stop(15 * time.Second); err != nil {
			b.Error(err)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/flood")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/flood")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/msg")
	b.ReportMetric(closing/float64(b.N), "close-ms")
}

// TestFloodVictimHelper is the victim of the flood benchmarks; run
// directly it skips.
func TestFloodVictimHelper(t *testing.T) {
	if benchproc.Mode() != "flood" {
		t.Skip("child process of the flood benchmarks")
	}
	if err := runFloodVictim(os.Getenv(floodURLEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "flood victim:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runFloodVictim(url string) error {
	parent := benchproc.Connect()
	media := newFakeMedia()
	defer func() { _ = media.Close() }()
	cfg := testConfig(url, "bench", "victim", media)
	// These benchmarks measure what rtc and the store spend per hostile
	// message; the signal client's read budget (1000 a second, which alone
	// keeps a flood below ~2 % of a core) would make them last minutes.
	cfg.Signal.MaxMessagesPerSecond, cfg.Signal.MessageBurst = 1e6, 1e6
	s := New(cfg)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		st := store.New()
		for a := range s.Actions() {
			st = store.Reduce(st, a)
			_ = store.SelectConnections(st)
		}
	}()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	for s.peerByID("h") == nil {
		time.Sleep(time.Millisecond)
	}
	if err := parent.Send(floodMsg{Step: "joined"}); err != nil {
		return err
	}
	for s.peerByID("marker") == nil {
		time.Sleep(time.Millisecond)
	}
	if err := parent.Send(floodMsg{Step: "handled"}); err != nil {
		return err
	}
	var req floodMsg
	if err := parent.Recv(&req); err != nil {
		return err
	}
	peers, _ := peerCounts(s)
	start := time.Now()
	if err := s.Close(); err != nil {
		return err
	}
	closeMs := float64(time.Since(start).Microseconds()) / 1000
	<-runErr
	<-drained
	return parent.Send(floodMsg{Step: "closed", CloseMs: closeMs, Peers: peers, Dropped: s.Dropped()})
}

// BenchmarkEarlyCandidateFlood: 100 000 candidates for a peer whose
// description never comes (issue 15 row 4).
func BenchmarkEarlyCandidateFlood(b *testing.B) {
	mid := "0"
	floodBench(b, 100000, func(i int) signal.Message {
		return &signal.ICECandidate{From: "h", Candidate: signal.CandidateInit{
			Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706431 10.0.%d.%d %d typ host", i, i/250%250, i%250+1, 1024+i%60000), SDPMid: &mid}}
	})
}

// BenchmarkMediaStateFlood: 200 000 media-state messages from one peer
// (issue 15 row 6).
func BenchmarkMediaStateFlood(b *testing.B) {
	floodBench(b, 200000, func(i int) signal.Message {
		return &signal.MediaStateUpdate{From: "h", Audio: i%2 == 0, Video: i%3 == 0}
	})
}

// BenchmarkPeerChurn: 10 000 peer-joined, each followed by its peer-left
// (issue 15 row 6).
func BenchmarkPeerChurn(b *testing.B) {
	floodBench(b, 20000, func(i int) signal.Message {
		id := fmt.Sprintf("c%d", i/2)
		if i%2 == 0 {
			return &signal.PeerJoined{PeerID: id, UserName: "c"}
		}
		return &signal.PeerLeft{PeerID: id}
	})
}

// BenchmarkUnknownOfferFlood: offers from 2 000 ids never introduced
// (issue 15 row 5).
func BenchmarkUnknownOfferFlood(b *testing.B) {
	floodBench(b, 2000, func(i int) signal.Message {
		return &signal.Offer{From: fmt.Sprintf("ghost-%d", i), SDP: "v=0\r\n"}
	})
}
