package main

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// TestDemoLinksAreMeasuredAccurately runs the demo's bots and a participant
// in-process and checks that the participant measures each bot's simulated
// link: the RTT and loss the table shows must be real, not invented.
func TestDemoLinksAreMeasuredAccurately(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	// Small video keeps the machine idle enough that scheduling delays do
	// not add to the measured round trips.
	small := mediaOptions{FakeMedia: true, VideoSize: "160x120", FPS: 10, VideoBitrate: 100, StatsInterval: time.Second}
	demo, err := startDemo(ctx, 3, false, small, log)
	if err != nil {
		t.Fatal(err)
	}
	defer demo.close()
	sess, err := newSession(callSpec{ServerURL: demo.url, Room: demoRoom, Name: "Tester", Logger: log,
		Media: small})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	state := store.New()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for a := range sess.Actions() {
			mu.Lock()
			state = store.Reduce(state, a)
			mu.Unlock()
		}
	}()
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()
	defer func() {
		_ = sess.Close()
		<-runErr
		<-drained
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := store.SelectConnectedCount(state)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 3 bots connected", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	peers := store.SelectConnections(state)
	mu.Unlock()

	for i, p := range peers {
		_ = i
		link := botLink(indexOf(botNames, p.UserName), false)
		// RTT: the smallest of several samples (keepalives refresh it each
		// second); scheduling delays on a loaded machine only ever add to a
		// round trip, so it is the sample least disturbed by them.
		var rtts []float64
		if _, err := sess.CollectStats(ctx, p.PeerID); err != nil {
			t.Fatal(err)
		}
		var st store.Stats
		for range 6 {
			time.Sleep(time.Second)
			if st, err = sess.CollectStats(ctx, p.PeerID); err != nil {
				t.Fatal(err)
			}
			rtts = append(rtts, st.RTTMillis)
		}
		rtt := slices.Min(rtts)
		wantRTT := 2 * float64(link.Delay) / float64(time.Millisecond)
		if wantRTT == 0 {
			if rtt > 20 {
				t.Errorf("%s (clean link): RTT %.1f ms", p.UserName, rtt)
			}
		} else if math.Abs(rtt-wantRTT) > 0.2*wantRTT {
			t.Errorf("%s: RTT %.1f ms, link %.0f ms ± 20 %%", p.UserName, rtt, wantRTT)
		}
		t.Logf("%s: RTT %.1f ms (link %.0f ms)", p.UserName, rtt, wantRTT)
	}
	// Loss over one long window for every bot at once.
	for _, p := range peers {
		if _, err := sess.CollectStats(ctx, p.PeerID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Second)
	for _, p := range peers {
		st, err := sess.CollectStats(ctx, p.PeerID)
		if err != nil {
			t.Fatal(err)
		}
		link := botLink(indexOf(botNames, p.UserName), false)
		if math.Abs(st.LossPct-link.LossPct) > 0.2*link.LossPct+0.1 {
			t.Errorf("%s: loss %.2f %%, link %.1f %% ± 20 %%", p.UserName, st.LossPct, link.LossPct)
		}
		t.Logf("%s: loss %.2f %% (link %.1f %%)", p.UserName, st.LossPct, link.LossPct)
	}
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}
