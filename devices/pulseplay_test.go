package devices

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// pushRealTime pushes pkts to p as peerID, one every 20 ms, as the network
// would deliver them.
func pushRealTime(p *Player, peerID string, pkts []*rtp.Packet) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for _, pkt := range pkts {
		<-t.C
		p.Push(peerID, pkt)
	}
}

// trimSilence drops the silent 100 ms windows at both ends of a recording:
// before playback started and after it ended.
func trimSilence(pcm []int16) []int16 {
	const n = sampleRate / 10
	first, last := -1, -1
	for i := 0; i+n <= len(pcm); i += n {
		if rmsDB(pcm[i:i+n]) >= silenceDB {
			if first < 0 {
				first = i
			}
			last = i + n
		}
	}
	if first < 0 {
		return nil
	}
	return pcm[first:last]
}

// A peer's 440 Hz tone, played through the default output device (a
// PulseAudio null sink) and recorded from the sink's monitor, is a steady
// 440 Hz tone: no silent gaps, no wandering pitch.
func TestPlayerPlaysThroughPulseAudio(t *testing.T) {
	ps := startPulse(t)
	const seconds = 3
	pkts := sinePackets(t, pulseTone, 0.5, seconds*50, 7)
	rec := ps.record("spk.monitor")
	p := NewPlayer(PlayerConfig{})
	if r := p.Reason(); r != "" {
		p.Close()
		t.Fatalf("player is off with PulseAudio running: %q", r)
	}
	pushRealTime(p, "peer", pkts)
	time.Sleep(300 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	pcm := rec.stop()
	played := trimSilence(pcm)
	r := analyzeWindows(played, 0, pulseTone, 10)
	t.Logf("recorded %.2f s, %.2f s between first and last sound; %v", float64(len(pcm))/sampleRate, float64(len(played))/sampleRate, r)
	if r.windows < seconds*10*8/10 {
		t.Fatalf("only %d windows of sound for %d s of packets", r.windows, seconds)
	}
	if g := r.goodFraction(); g < 0.9 {
		t.Fatalf("%.0f %% of windows carry a steady %d Hz tone, want ≥ 90 %%", 100*g, pulseTone)
	}
}
