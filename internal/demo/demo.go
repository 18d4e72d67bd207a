// Package demo is rtcterm's embedded demo call: a signaling server on
// loopback with the browser client, and bot participants behind simulated
// links, which the user joins as one more participant.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rtcterm/rtcterm/internal/call"
	"github.com/rtcterm/rtcterm/netsim"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/server"
	"github.com/rtcterm/rtcterm/server/web"
)

// Room is the room the demo call happens in.
const Room = "demo"

// MaxBots is the most bots a demo runs.
const MaxBots = 15

// BotNames are the demo's participants, in joining order.
var BotNames = []string{"Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Radia", "Edsger", "Frances", "Donald", "Hedy", "Ken", "Katherine", "Guido"}

// botLinks are the simulated network conditions of the bots, in turn: a
// clean LAN, a long-distance link, and a poor mobile one whose 400 kbps
// uplink and downlink make the calls adapt (watch its row and the detail
// pane: the send estimate, the target, "limited by bandwidth").
var botLinks = []netsim.Link{
	{},
	{Delay: 40 * time.Millisecond},
	{Delay: 75 * time.Millisecond, LossPct: 3, RateKbps: 400},
}

// BotLink returns the link of bot i, or a clean one when clean is set.
func BotLink(i int, clean bool) netsim.Link {
	if clean {
		return netsim.Link{}
	}
	l := botLinks[i%len(botLinks)]
	l.Seed = int64(i + 1)
	return l
}

// BotMedia is what each bot sends by default: small video, so a few bots
// fit on a laptop's CPU next to the real participant.
var BotMedia = call.Media{Fake: true, Width: 320, Height: 240, FPS: 15, VideoBitrateKbps: 300}

// Config is a demo: how many bots, on which links, sending what.
type Config struct {
	Bots  int  // 0 to MaxBots
	Clean bool // no simulated delay or loss on the bots' links
	// LiveKit runs the demo through a local livekit-server instead of the
	// mesh (StartLiveKit); Clean does not apply there.
	LiveKit bool
	Media   *call.Media // what each bot sends; nil means BotMedia
	Logger  *slog.Logger
}

// Demo is a running demo: the server and the bots.
type Demo struct {
	srv  *server.Server
	ln   net.Listener
	bots []*rtc.Session
	nets []*netsim.Net
	wg   sync.WaitGroup
	stop context.CancelFunc
}

// resolve checks cfg and fills in what each bot sends and where logs go.
func (cfg Config) resolve() (call.Media, *slog.Logger, error) {
	if cfg.Bots < 0 || cfg.Bots > MaxBots {
		return call.Media{}, nil, fmt.Errorf("demo: %d bots, want 0 to %d", cfg.Bots, MaxBots)
	}
	media := BotMedia
	if cfg.Media != nil {
		media = *cfg.Media
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return media, log, nil
}

// Start starts the server and the bots; they run until Close.
func Start(ctx context.Context, cfg Config) (*Demo, error) {
	media, log, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{Logger: log, Static: web.Handler()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	d := &Demo{srv: srv, ln: ln}
	go func() { _ = srv.Serve(ln) }()
	ctx, d.stop = context.WithCancel(ctx)
	for i := range cfg.Bots {
		name := BotNames[i%len(BotNames)]
		bot := call.Config{ServerURL: d.URL(), Room: Room, Name: name, Media: media, Logger: log}
		if link := BotLink(i, cfg.Clean); link != (netsim.Link{Seed: link.Seed}) {
			sim, err := netsim.NewNet(link)
			if err != nil {
				d.Close()
				return nil, fmt.Errorf("bot %s: %w", name, err)
			}
			d.nets = append(d.nets, sim)
			bot.Net = sim
		}
		sess := call.NewSession(bot, call.Sinks{})
		d.bots = append(d.bots, sess)
		d.wg.Add(1)
		go func() { defer d.wg.Done(); _ = sess.Run(ctx) }()
	}
	return d, nil
}

// LiveKit is nil: this demo is a mesh.
func (d *Demo) LiveKit() *call.LiveKit { return nil }

// URL is the ws:// address of the demo server's signaling endpoint.
func (d *Demo) URL() string { return "ws://" + d.ln.Addr().String() + "/ws" }

// Base is the http:// address of the demo server.
func (d *Demo) Base() string { return "http://" + d.ln.Addr().String() }

// JoinHint is the lines that let a second person join the demo room, from
// a terminal or a browser.
func (d *Demo) JoinHint() string {
	return fmt.Sprintf("rtcterm join --server %s --room %s\n"+
		"browser: %s", d.Base(), Room, web.BrowserURL("http", d.ln.Addr(), Room, ""))
}

// Close stops the bots, then the server.
func (d *Demo) Close() {
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
