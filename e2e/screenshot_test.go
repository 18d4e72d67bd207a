package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	screenshotStart = "<!-- screenshot -->\n"
	screenshotEnd   = "<!-- /screenshot -->"
)

// shape is a screen's layout without what a run measures: per line, its
// first two words with every run of digits as "#", bars (sparklines, the
// speaking bar) and the selection marker dropped, the bots' names as NAME,
// and the line before the footer (the latest notice) left out. Two
// captures of the same screen compare equal whatever the figures.
func shape(screen string) string {
	digits := regexp.MustCompile(`[0-9]+`)
	bars := regexp.MustCompile(`[▁▂▃▄▅▆▇█]+`)
	// Which bot is selected (and so in the detail pane) depends on who
	// joined first.
	names := regexp.MustCompile(`\b(Ada|Grace|Linus)\b`)
	lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	if len(lines) >= 2 {
		lines = append(lines[:len(lines)-2:len(lines)-2], lines[len(lines)-1])
	}
	var out []string
	for _, l := range lines {
		// Bars come and go (the speaking bar beside a name too); the
		// selection marker follows who joined first.
		l = strings.TrimLeft(bars.ReplaceAllString(l, ""), " >")
		l = names.ReplaceAllString(digits.ReplaceAllString(l, "#"), "NAME")
		words := strings.Fields(l)
		out = append(out, strings.Join(words[:min(2, len(words))], " "))
	}
	return strings.Join(out, "\n")
}

// TestReadmeScreenshot captures `rtcterm demo` in tmux once every bot is
// connected and compares the README's screenshot with it, figures aside:
// the picture in the README stays the program's real screen. With
// RTCTERM_UPDATE_SCREENSHOT=1 it writes the capture into the README.
func TestReadmeScreenshot(t *testing.T) {
	d := startTmux(t, "demo --name You --clean")
	d.waitBots()
	time.Sleep(1500 * time.Millisecond) // the sparkline of the first seconds, as a user sees it
	screen := d.capture()
	tmux(t, d.sock, "send-keys", "q")
	d.waitExit("q")

	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i, j := strings.Index(text, screenshotStart), strings.Index(text, screenshotEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", strings.TrimSpace(screenshotStart), screenshotEnd)
	}
	block := "```\n" + strings.TrimRight(screen, "\n ") + "\n```\n"
	if os.Getenv("RTCTERM_UPDATE_SCREENSHOT") != "" {
		text = text[:i+len(screenshotStart)] + block + text[j:]
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := strings.TrimSuffix(strings.TrimPrefix(text[i+len(screenshotStart):j], "```\n"), "```\n")
	if shape(got) != shape(screen) {
		t.Errorf("README.md's screenshot no longer matches the demo's screen (renew it with RTCTERM_UPDATE_SCREENSHOT=1):\n--- README\n%s\n--- now\n%s", got, screen)
	}
}
