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
	r := playAndRecord(t, ps, PlayerConfig{}, "spk.monitor", pulseTone)
	checkSteadyTone(t, r, pulseTone, steadyPlayed)
}

// playSeconds is how long a playback test feeds the player. A PulseAudio
// null sink that sat idle has rendered up to 2 s ahead and takes its first
// stream only after that, so the first ~2 s may be silent: they are
// trimmed, and the rest must be a steady tone.
const playSeconds = 5

// playAndRecord plays a tone of freq Hz through a player made with cfg,
// records source meanwhile and analyses the part between the first and
// the last sound.
func playAndRecord(t *testing.T, ps *pulseServer, cfg PlayerConfig, source string, freq float64) windowReport {
	t.Helper()
	pkts := sinePackets(t, freq, 0.5, playSeconds*50, 7)
	rec := ps.record(source)
	p := NewPlayer(cfg)
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
	r := analyzeWindows(played, 0, freq, 10)
	t.Logf("%s: recorded %.2f s, %.2f s between first and last sound; %v", source, float64(len(pcm))/sampleRate, float64(len(played))/sampleRate, r)
	return r
}

// Shares of 100 ms windows that must carry the tone. What reaches the far
// side over the network arrives whole (measured 100 %); what a speaker
// plays after a call on loopback loses windows when the suite's load
// starves the player (measured 81–100 % under make test). The fault these
// tests guard against left 11 % of the windows sounding.
const (
	steadyReceived = 0.9
	steadyPlayed   = 0.6
)

// checkSteadyTone wants at least 2 s of sound, and at least the share min
// of its 100 ms windows non-silent and within ±10 Hz of freq.
func checkSteadyTone(t *testing.T, r windowReport, freq, min float64) {
	t.Helper()
	if r.windows < 20 {
		t.Fatalf("only %d windows of sound for %d s of packets", r.windows, playSeconds)
	}
	if g := r.goodFraction(); g < min {
		t.Fatalf("%.0f %% of windows carry a steady %.0f Hz tone, want ≥ %.0f %%", 100*g, freq, 100*min)
	}
}
