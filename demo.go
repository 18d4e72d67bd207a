package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
)

// demoRoom is the room the demo call happens in.
const demoRoom = "demo"

// botNames are the demo's participants, in joining order.
var botNames = []string{"Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Radia", "Edsger", "Frances", "Donald", "Hedy", "Ken", "Katherine", "Guido"}

// botLinks are the simulated network conditions of the bots, in turn: a
// clean LAN, a long-distance link, and a poor mobile one.
var botLinks = []netsim.Link{
	{},
	{Delay: 40 * time.Millisecond},
	{Delay: 75 * time.Millisecond, LossPct: 3},
}

// botLink returns the link of bot i, or a clean one with --clean.
func botLink(i int, clean bool) netsim.Link {
	if clean {
		return netsim.Link{}
	}
	l := botLinks[i%len(botLinks)]
	l.Seed = int64(i + 1)
	return l
}

// demoCall is the embedded demo: a signaling server and bot participants.
type demoCall struct {
	srv  *server.Server
	ln   net.Listener
	url  string // ws://.../ws
	base string // http://host:port
	bots []*rtc.Session
	nets []*netsim.Net
	wg   sync.WaitGroup
	stop context.CancelFunc
}

// botMedia is what each bot sends: small video, so a few bots fit on a
// laptop's CPU next to the real participant.
var botMedia = mediaOptions{FakeMedia: true, VideoSize: "320x240", FPS: 15, VideoBitrate: 300, StatsInterval: time.Second}

// startDemo starts the server and the bots; they run until close.
func startDemo(ctx context.Context, bots int, clean bool, media mediaOptions, log *slog.Logger) (*demoCall, error) {
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", Logger: log, Static: web.Handler()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	d := &demoCall{srv: srv, ln: ln, base: "http://" + ln.Addr().String(), url: "ws://" + ln.Addr().String() + "/ws"}
	go func() { _ = srv.Serve(ln) }()
	ctx, d.stop = context.WithCancel(ctx)
	for i := range bots {
		name := botNames[i%len(botNames)]
		if i >= len(botNames) {
			name = fmt.Sprintf("%s %d", name, i/len(botNames)+1)
		}
		var sim *netsim.Net
		if link := botLink(i, clean); link != (netsim.Link{Seed: link.Seed}) {
			if sim, err = netsim.NewNet(link); err != nil {
				d.close()
				return nil, fmt.Errorf("bot %s: %w", name, err)
			}
			d.nets = append(d.nets, sim)
		}
		spec := callSpec{
			ServerURL: d.url, Room: demoRoom, Name: name, Logger: log, Media: media,
		}
		if sim != nil {
			spec.Net = sim
		}
		sess, err := newSession(spec)
		if err != nil {
			d.close()
			return nil, err
		}
		d.bots = append(d.bots, sess)
		d.wg.Add(1)
		go func() { defer d.wg.Done(); _ = sess.Run(ctx) }() // nobody reads a bot's actions
	}
	return d, nil
}

// joinHint is the lines that let a second person join the demo room, from
// a terminal or a browser.
func (d *demoCall) joinHint() string {
	return fmt.Sprintf("rtcterm join --server %s --room %s\n"+
		"browser: %s", d.base, demoRoom, browserURL("http", d.ln.Addr(), demoRoom, "YOUR_NAME"))
}

// close stops the bots, then the server.
func (d *demoCall) close() {
	if d.stop != nil {
		d.stop()
	}
	for _, b := range d.bots {
		_ = b.Close()
	}
	d.wg.Wait()
	for _, n := range d.nets {
		_ = n.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
}
