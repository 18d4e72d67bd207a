package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtcterm/rtcterm/internal/testkit"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// Tests of what a browser user meets (issue 14): the invite, the
// verification code, the camera-off tile, the toolbar, the share button and
// the full room. Each reads the page as its user sees it, through DevTools.

// tileOf evaluates fn(tile) in the page on the tile of the peer called
// name; fn is a JavaScript function expression.
func (p *browserPage) tileOf(t testing.TB, name, fn string, out any) {
	t.Helper()
	expr := fmt.Sprintf(`(() => {
		const tile = [...document.querySelectorAll('#tiles .tile[data-peer]')].find((el) => el.querySelector('.name').textContent === %q);
		if (!tile) throw new Error('no tile for %s');
		return (%s)(tile);
	})()`, name, name, fn)
	if err := p.cdp.eval(expr, out); err != nil {
		t.Fatalf("page %s: tile of %s: %v", p.name, name, err)
	}
}

// TestBrowserVerificationCodeIsTheTerminals: the page's verificationCode
// (verify.js, loaded as the page loads it) gives tui.VerificationCode's
// digits for the same fingerprints, in either order and with one end
// unknown; and in a call, the code on the browser's tile for a terminal
// equals the code that terminal's state gives for the browser.
func TestBrowserVerificationCodeIsTheTerminals(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "verify", "Browser", ""))

	cases := [][2]string{
		{"sha-256 AA:BB:CC", "sha-256 11:22:33"},
		{"sha-256 11:22:33", "sha-256 AA:BB:CC"},
		{"  sha-256 aa:bb:cc\r", "SHA-256 11:22:33"},
		{"", "sha-256 4F:0E:99:01:7A:C3:52:6B:DE:10:88:4A:2B:91:C0:57:E3:3D:6A:F2:08:B5:4C:11:9E:70:AA:36:D8:25:61:CF"},
		{"sha-256 4F:0E:99:01:7A:C3:52:6B:DE:10:88:4A:2B:91:C0:57:E3:3D:6A:F2:08:B5:4C:11:9E:70:AA:36:D8:25:61:CF", "sha-256 00"},
	}
	in, _ := json.Marshal(cases)
	var got []string
	testkit.Eventually(t, 20*time.Second, "the page's verify.js evaluated", func() bool {
		err := page.cdp.eval(fmt.Sprintf(`(async () => {
			const { verificationCode } = await import('/verify.js');
			const out = [];
			for (const [l, r] of %s) out.push(await verificationCode(l, r));
			return out;
		})()`, in), &got)
		return err == nil
	})
	for i, c := range cases {
		if want := tui.VerificationCode(c[0], c[1]); got[i] != want {
			t.Errorf("verificationCode(%q, %q) = %q in the browser, tui.VerificationCode %q", c[0], c[1], got[i], want)
		}
	}
	if got[0] != got[1] {
		t.Errorf("the order of the ends changed the code: %q vs %q", got[0], got[1])
	}

	term := startTerminal(t, base, "verify", "Term")
	var termCode string
	term.waitFor(t, 20*time.Second, "both fingerprints known", "Browser", func(c store.Connection) bool {
		if c.Status != store.StatusConnected || c.Fingerprint == "" || c.LocalFingerprint == "" {
			return false
		}
		termCode = tui.VerificationCode(c.LocalFingerprint, c.Fingerprint)
		return true
	})
	var shown string
	testkit.Eventually(t, 10*time.Second, "the page shows a code for Term", func() bool {
		page.tileOf(t, "Term", `(tile) => tile.querySelector('.verify').hidden ? '' : tile.querySelector('.verify .code').textContent`, &shown)
		return shown != ""
	})
	if shown != termCode {
		t.Errorf("the browser shows %q for Term, the terminal %q for the browser", shown, termCode)
	}
	term.close()
}

// TestBrowserCopyInvite: the invite button copies the room's browser link
// (no name, no token) and the terminal's join line, and says so; without a
// clipboard API the same two lines wait, selected, in a read-only field.
func TestBrowserCopyInvite(t *testing.T) {
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "invite-room", "Ivy", "token=secret-never-copied"))
	page.waitFor(t, 20*time.Second, "joined", func(r pageReport) bool { return r.Signaling == "connected" })
	want := base + "/?room=invite-room\nrtcterm join --server " + base + " --room invite-room"

	if _, err := page.cdp.call("Browser.grantPermissions", map[string]any{
		"origin": base, "permissions": []string{"clipboardReadWrite", "clipboardSanitizedWrite"},
	}); err != nil {
		t.Fatal(err)
	}
	// The clipboard is for the focused page only; headless, nothing has focus.
	if _, err := page.cdp.call("Emulation.setFocusEmulationEnabled", map[string]any{"enabled": true}); err != nil {
		t.Fatal(err)
	}
	if err := page.cdp.evalGesture(`document.getElementById('invite').click()`, nil); err != nil {
		t.Fatal(err)
	}
	var feedback string
	testkit.Eventually(t, 5*time.Second, "copied feedback", func() bool {
		_ = page.cdp.eval(`(() => { const f = document.getElementById('invite-feedback'); return f.hidden ? '' : f.textContent; })()`, &feedback)
		return feedback == "copied"
	})
	var clip string
	if err := page.cdp.evalGesture(`navigator.clipboard.readText()`, &clip); err != nil {
		t.Fatal(err)
	}
	if clip != want {
		t.Errorf("clipboard:\n%q\nwant\n%q", clip, want)
	}

	// A browser without the clipboard API (e.g. not a secure context).
	var field struct {
		Value    string `json:"value"`
		Shown    bool   `json:"shown"`
		ReadOnly bool   `json:"readOnly"`
		Selected string `json:"selected"`
	}
	if err := page.cdp.evalGesture(`(async () => {
		Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
		document.getElementById('invite').click();
		await new Promise((r) => setTimeout(r, 50));
		const f = document.getElementById('invite-text');
		return { value: f.value, shown: !f.hidden, readOnly: f.readOnly, selected: f.value.slice(f.selectionStart, f.selectionEnd) };
	})()`, &field); err != nil {
		t.Fatal(err)
	}
	if !field.Shown || !field.ReadOnly || field.Value != want || field.Selected != want {
		t.Errorf("fallback field: %+v, want shown, read-only, holding and selecting %q", field, want)
	}
}

// TestBrowserCameraOffTile: when the terminal turns its camera off, its
// tile shows "camera off" instead of the last frame; on again, the video.
func TestBrowserCameraOffTile(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "camoff", "Browser", ""))
	term := startTerminal(t, base, "camoff", "Term")
	page.waitFor(t, 20*time.Second, "video from Term", func(r pageReport) bool {
		p, ok := r.peerNamed("Term")
		return ok && p.ConnectionState == "connected" && p.FramesDecoded > 0
	})
	type look struct {
		Placeholder bool   `json:"placeholder"` // the camera-off box is shown
		Video       string `json:"video"`       // the video's computed visibility
		Text        string `json:"text"`
	}
	read := `(tile) => {
		const box = tile.querySelector('.camera-off');
		return { placeholder: !box.hidden && box.getBoundingClientRect().height > 0,
			video: getComputedStyle(tile.querySelector('video')).visibility, text: box.textContent };
	}`
	var l look
	page.tileOf(t, "Term", read, &l)
	if l.Placeholder || l.Video != "visible" {
		t.Fatalf("camera on: %+v, want the video", l)
	}
	if err := term.sess.SetVideo(false); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, "Term's tile says camera off", func() bool {
		page.tileOf(t, "Term", read, &l)
		return l.Placeholder && l.Video == "hidden"
	})
	if !strings.Contains(l.Text, "camera off") || !strings.HasPrefix(l.Text, "T") {
		t.Errorf("camera-off tile text %q, want the initial and \"camera off\"", l.Text)
	}
	if err := term.sess.SetVideo(true); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "Term's video back", func() bool {
		page.tileOf(t, "Term", read, &l)
		return !l.Placeholder && l.Video == "visible"
	})
	term.close()
}

// rect is an element's box in the viewport.
type rect struct {
	Top, Bottom, Left, Right float64
}

// TestBrowserToolbarStaysOnScreen: at 1280×657 with five people in the
// call, every control is inside the viewport, at the top of the page and
// scrolled to its end, and the last tile can be scrolled clear of the bar.
func TestBrowserToolbarStaysOnScreen(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "five", "Browser", ""))
	if _, err := page.cdp.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 1280, "height": 657, "deviceScaleFactor": 1, "mobile": false,
	}); err != nil {
		t.Fatal(err)
	}
	var terms []*terminal
	for i := range 4 {
		terms = append(terms, startTerminal(t, base, "five", fmt.Sprintf("T%d", i+1)))
	}
	page.waitFor(t, 40*time.Second, "four peers connected", func(r pageReport) bool {
		n := 0
		for _, p := range r.Peers {
			if p.ConnectionState == "connected" {
				n++
			}
		}
		return n == 4
	})
	var view struct {
		W, H     float64
		Controls []rect
		Bar      rect
		LastTile rect
		Scroll   float64
	}
	measure := func(scroll string) {
		t.Helper()
		err := page.cdp.eval(`(async () => {
			window.scrollTo(0, `+scroll+`);
			await new Promise((r) => requestAnimationFrame(() => r()));
			const box = (el) => { const b = el.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, right: b.right }; };
			const tiles = document.querySelectorAll('#tiles .tile');
			return {
				w: window.innerWidth, h: window.innerHeight,
				controls: [...document.querySelectorAll('#controls button:not([hidden])')].map(box),
				bar: box(document.getElementById('controls')),
				lastTile: box(tiles[tiles.length - 1]),
				scroll: window.scrollY,
			};
		})()`, &view)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, scroll := range []string{"0", "document.documentElement.scrollHeight"} {
		measure(scroll)
		if view.W != 1280 || view.H != 657 {
			t.Fatalf("viewport %vx%v, want 1280x657", view.W, view.H)
		}
		if len(view.Controls) < 5 {
			t.Fatalf("%d controls shown", len(view.Controls))
		}
		for i, c := range view.Controls {
			if c.Top < 0 || c.Left < 0 || c.Bottom > view.H || c.Right > view.W {
				t.Errorf("scrolled to %s (y=%v): control %d at %+v is outside the 1280x657 viewport", scroll, view.Scroll, i, c)
			}
		}
	}
	// Scrolled to the end, the last tile ends above the bar.
	if view.LastTile.Bottom > view.Bar.Top+1 {
		t.Errorf("the last tile (%+v) ends under the toolbar (top %v)", view.LastTile, view.Bar.Top)
	}
	for _, tm := range terms {
		tm.close()
	}
}

// TestBrowserShareButtonColour: the idle Share-screen button looks like any
// other button (not the red of a switched-off mic); sharing marks it.
func TestBrowserShareButtonColour(t *testing.T) {
	base := startWebServer(t, nil)
	page := openPage(t, "Browser", pageURL(base, "share", "Browser", ""))
	page.waitFor(t, 20*time.Second, "joined with a camera", func(r pageReport) bool {
		return r.Signaling == "connected" && r.Local.HasVideo
	})
	var c struct {
		Screen, Plain, MicOff, Pressed string
	}
	colours := `(() => {
		const bg = (id) => getComputedStyle(document.getElementById(id)).backgroundColor;
		return { Screen: bg('screen'), Plain: bg('invite'), Pressed: document.getElementById('screen').getAttribute('aria-pressed') };
	})()`
	if err := page.cdp.eval(colours, &c); err != nil {
		t.Fatal(err)
	}
	page.setMic(t, false)
	var micOff string
	if err := page.cdp.eval(`getComputedStyle(document.getElementById('mic')).backgroundColor`, &micOff); err != nil {
		t.Fatal(err)
	}
	if c.Pressed != "false" || c.Screen != c.Plain || c.Screen == micOff {
		t.Errorf("idle share button %s (pressed %s), a plain button %s, mic off %s: want idle = plain, not the off colour", c.Screen, c.Pressed, c.Plain, micOff)
	}
	idle := c.Screen
	if err := page.cdp.evalGesture(`document.getElementById('screen').click()`, nil); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "sharing", func() bool {
		return page.cdp.eval(colours, &c) == nil && c.Pressed == "true"
	})
	if c.Screen == idle || c.Screen == micOff {
		t.Errorf("sharing share button %s: want a colour of its own (idle %s, off %s)", c.Screen, idle, micOff)
	}
}

// TestBrowserRoomFull: a browser refused because the room is full sees the
// server's reason, no preview and no controls, its camera released, and the
// join form to try again.
func TestBrowserRoomFull(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	base := testkit.StartServer(t, server.Config{MaxPeers: 1, Static: web.Handler()}).Base
	host := startTerminal(t, base, "full", "Host")
	testkit.Eventually(t, 10*time.Second, "Host joined", func() bool {
		return host.rec.State().Signaling.Status == store.SignalingConnected
	})
	page := openPage(t, "Browser", pageURL(base, "full", "Late", ""))
	r := page.waitFor(t, 20*time.Second, "refused", func(r pageReport) bool {
		return strings.Contains(r.Notice, "the room is full")
	})
	if !strings.Contains(r.Notice, "holds 1 person") || !r.JoinFormShown {
		t.Errorf("notice %q, join form shown %v: want the server's reason and the form", r.Notice, r.JoinFormShown)
	}
	var seen struct {
		CallShown, ControlsShown, Preview bool
		Room                              string
	}
	testkit.Eventually(t, 5*time.Second, "preview and controls gone", func() bool {
		err := page.cdp.eval(`(() => {
			const shown = (el) => !!el && el.getClientRects().length > 0;
			const self = document.querySelector('.self-tile');
			return {
				CallShown: shown(document.getElementById('call')),
				ControlsShown: shown(document.getElementById('controls')) || shown(document.getElementById('leave')),
				Preview: !!self,
				Room: document.getElementById('join').room.value,
			};
		})()`, &seen)
		return err == nil && !seen.CallShown && !seen.ControlsShown && !seen.Preview
	})
	if seen.Room != "full" {
		t.Errorf("join form room %q, want it filled in", seen.Room)
	}
	host.close()
}
