package signal_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rtcterm/rtcterm/signal"
)

// TestProtocolDocExample keeps docs/protocol.md honest: every frame of its
// example exchange must decode, and re-encoding must give the same frame
// (so field names and order in the doc are what the code sends).
func TestProtocolDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(doc)) {
		_, frame, ok := strings.Cut(line, " → ")
		if !ok {
			_, frame, ok = strings.Cut(line, " ← ")
		}
		if !ok || !strings.HasPrefix(frame, "{") {
			continue
		}
		frame = strings.TrimSpace(frame)
		n++
		m, err := signal.Decode([]byte(frame))
		if err != nil {
			t.Errorf("doc frame does not decode: %s: %v", frame, err)
			continue
		}
		b, _ := signal.Encode(m)
		if string(b) != frame {
			t.Errorf("doc frame differs from what the code sends:\n doc %s\ncode %s", frame, b)
		}
	}
	if n < 30 {
		t.Errorf("found only %d example frames", n)
	}
}
