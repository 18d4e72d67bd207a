package devices

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pion/rtp"
	"gopkg.in/hraban/opus.v2"
)

// speech synthesizes text with espeak-ng in voice (e.g. "en-us",
// "en-us+f3"), converts it with sox to mono 16-bit 48 kHz and scales it to
// an RMS of rmsDBFS over its voiced 20 ms stretches. Without the tools the
// test is skipped, or fails under make test.
func speech(t testing.TB, voice, text string, rmsDBFS float64) []int16 {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("RTCTERM_REQUIRE_CHROMIUM") != "" {
				t.Fatalf("%s is not installed (scripts/deps.sh test installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	wav, raw := filepath.Join(dir, "s.wav"), filepath.Join(dir, "s.raw")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-s", "150", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if out, err := exec.Command("sox", wav, "-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	var sum float64
	var n int
	for i := 0; i+chunkSamples <= len(pcm); i += chunkSamples {
		if c := pcm[i : i+chunkSamples]; rmsDB(c) > -45 {
			for _, v := range c {
				sum += float64(v) * float64(v)
			}
			n += chunkSamples
		}
	}
	if n == 0 {
		t.Fatal("espeak-ng made silence")
	}
	have := 20 * math.Log10(math.Sqrt(sum/float64(n))/math.MaxInt16)
	g := math.Pow(10, (rmsDBFS-have)/20)
	for i, v := range pcm {
		pcm[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(float64(v)*g))))
	}
	return pcm
}

// opusPackets encodes pcm as 20 ms Opus packets (as a browser sends voice:
// in-band FEC on) with sequence numbers from seq0.
func opusPackets(t testing.TB, pcm []int16, ssrc uint32, seq0 uint16) []*rtp.Packet {
	t.Helper()
	enc, err := opus.NewEncoder(sampleRate, 1, opus.AppVoIP)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.SetInBandFEC(true); err != nil {
		t.Fatal(err)
	}
	var pkts []*rtp.Packet
	frame := make([]int16, mixChunk)
	for i := 0; i < len(pcm); i += mixChunk {
		clear(frame)
		copy(frame, pcm[i:])
		data := make([]byte, 1000)
		w, err := enc.Encode(frame, data)
		if err != nil {
			t.Fatal(err)
		}
		k := len(pkts)
		pkts = append(pkts, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq0 + uint16(k), Timestamp: uint32(k * mixChunk), SSRC: ssrc},
			Payload: data[:w],
		})
	}
	return pkts
}

// writeRaw writes pcm as a raw s16le file for pacat and returns its path.
func writeRaw(t testing.TB, pcm []int16) string {
	t.Helper()
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	p := filepath.Join(t.TempDir(), "talk.raw")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
