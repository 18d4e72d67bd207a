package lkengine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rtcterm/rtcterm/store"
)

const (
	node1HTTP, node1UDP = 17880, 17882
	node2HTTP, node2UDP = 17890, 17892
	joinTimeout         = 20 * time.Second
)

// Two rtcterm engines in one room: each sees the other connected with its
// media, audio and video packets arrive at the sinks both ways, stats give
// the picture size and rates, mute shows on the other side, and leaving
// removes the peer.
func TestTwoEnginesOneRoom(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	alice := joinEngine(t, n.URL, "two", "alice")
	bob := joinEngine(t, n.URL, "two", "bob")

	for _, c := range []struct {
		p    *participant
		peer string
	}{{alice, "bob"}, {bob, "alice"}} {
		waitFor(t, joinTimeout, c.peer+" connected", func() bool { return c.p.w.peerIs(c.peer, store.StatusConnected) })
		waitFor(t, joinTimeout, c.peer+"'s media state", func() bool {
			conn, _ := c.p.w.peer(c.peer)
			return conn.Media == store.MediaState{Known: true, Audio: true, Video: true}
		})
		waitFor(t, joinTimeout, c.peer+"'s audio and video", func() bool {
			return c.p.audio.count(c.peer) > 50 && c.p.video.count(c.peer) > 60
		})
	}

	ctx := t.Context()
	if _, err := alice.e.CollectStats(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	st, err := alice.e.CollectStats(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("alice's stats of bob: %+v", st)
	if st.Width != fakeWidth || st.Height != fakeHeight {
		t.Errorf("resolution %dx%d, want %dx%d", st.Width, st.Height, fakeWidth, fakeHeight)
	}
	if st.RecvKbps <= 0 || st.SendKbps <= 0 || st.FramesPerSecond <= 0 {
		t.Errorf("rates should be positive: recv %.1f kbps, send %.1f kbps, %.1f fps", st.RecvKbps, st.SendKbps, st.FramesPerSecond)
	}
	if st.VideoCodec != "VP8" || !strings.EqualFold(st.AudioCodec, "opus") {
		t.Errorf("codecs %q/%q, want VP8/opus", st.VideoCodec, st.AudioCodec)
	}
	if st.Route.RemoteAddr == "" || st.RTTMillis <= 0 {
		t.Errorf("route to the SFU %+v, rtt %.2f ms: want a nominated pair with a measured rtt", st.Route, st.RTTMillis)
	}
	if _, err := alice.e.CollectStats(ctx, "nobody"); !errors.Is(err, ErrPeerNotFound) {
		t.Errorf("stats of an unknown participant: %v, want ErrPeerNotFound", err)
	}

	// Mute: bob's switches reach alice as LiveKit mute, and bob's own
	// actions carry the switches.
	if err := bob.e.SetAudio(false); err != nil {
		t.Fatal(err)
	}
	if err := bob.e.SetVideo(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, joinTimeout, "bob muted at alice", func() bool {
		conn, _ := alice.w.peer("bob")
		return conn.Media == store.MediaState{Known: true}
	})
	waitFor(t, 5*time.Second, "bob's own switches", func() bool {
		s, _ := bob.w.snapshot()
		return !s.AudioEnabled && !s.VideoEnabled
	})
	if err := bob.e.SetAudio(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, joinTimeout, "bob unmuted at alice", func() bool {
		conn, _ := alice.w.peer("bob")
		return conn.Media.Audio && !conn.Media.Video
	})

	// Leaving: alice loses bob, and her sinks forget him.
	bob.leave(t)
	waitFor(t, joinTimeout, "bob gone at alice", func() bool { _, ok := alice.w.peer("bob"); return !ok })
	if alice.audio.removedCount("bob") == 0 || alice.video.removedCount("bob") == 0 {
		t.Error("alice's sinks were not told bob left")
	}
}

// Wrong credentials fail the join with ErrUnauthorized naming the flag;
// a closed port is ErrUnreachable.
func TestJoinRefused(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	run := func(cfg Config) error {
		cfg.Room, cfg.Identity, cfg.ConnectTimeout = "refused", "mallory", 3*time.Second
		e := New(cfg)
		w := watch(e)
		// A join that wrongly succeeds ends here rather than hanging.
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		err := e.Run(ctx)
		<-w.done
		s, _ := w.snapshot()
		if err != nil && s.Error == "" {
			t.Errorf("a refused join should set the call error")
		}
		return err
	}
	err := run(Config{URL: n.URL, APIKey: testKey, APISecret: "wrong-secret-wrong-secret-wrong-secret"})
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "--api-key/--api-secret") {
		t.Errorf("wrong secret: %v, want ErrUnauthorized naming --api-key/--api-secret", err)
	}
	expired := expiredToken(t, "refused", "mallory")
	err = run(Config{URL: n.URL, Token: expired})
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "--token") {
		t.Errorf("expired token: %v, want ErrUnauthorized naming --token", err)
	}
	err = run(Config{URL: "ws://127.0.0.1:1", APIKey: testKey, APISecret: testSecret})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("closed port: %v, want ErrUnreachable", err)
	}
	if err := run(Config{URL: n.URL}); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("no credentials: %v, want ErrNoCredentials", err)
	}
}

// Close returns, and Actions is closed, with nobody reading Actions.
func TestCloseWithoutReader(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	other := joinEngine(t, n.URL, "noreader", "watcher")
	m := newFakeMedia(t, "silent")
	defer m.Close()
	e := New(Config{URL: n.URL, Room: "noreader", Identity: "silent", APIKey: testKey, APISecret: testSecret,
		OpenMedia: func(context.Context) (LocalMedia, error) { return m, nil }})
	runErr := make(chan error, 1)
	go func() { runErr <- e.Run(context.Background()) }()
	waitFor(t, joinTimeout, "silent connected at watcher", func() bool { return other.w.peerIs("silent", store.StatusConnected) })
	for i := 0; i < 200; i++ { // more switches than the channel holds
		_ = e.SetAudio(i%2 == 0)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("close without a reader: %v", err)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("run: %v", err)
	}
	n2 := 0
	for range e.Actions() {
		n2++
	}
	if n2 > maxQueued+cap(e.out) {
		t.Errorf("%d actions left after close, more than the queue bound", n2)
	}
}

// expiredToken is a correctly signed token whose expiry passed ten minutes
// ago (beyond the server's one-minute leeway); the protocol library never
// makes one, so it is built here.
func expiredToken(t *testing.T, room, identity string) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": testKey, "sub": identity, "name": identity,
		"nbf": now.Add(-time.Hour).Unix(), "exp": now.Add(-10 * time.Minute).Unix(),
		"video": map[string]any{"roomJoin": true, "room": room},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Video of a participant without a tile is not sent to us; audio goes on;
// giving it a tile brings the video back.
func TestTilesDriveVideo(t *testing.T) {
	n := startNode(t, node1HTTP, node1UDP, false)
	alice := joinEngine(t, n.URL, "tiles", "alice")
	joinEngine(t, n.URL, "tiles", "bob")
	waitFor(t, joinTimeout, "bob's video at alice", func() bool { return alice.video.count("bob") > 30 })

	alice.e.SetTiles(map[string]TileSize{})
	stalled := func() bool {
		v0, a0 := alice.video.count("bob"), alice.audio.count("bob")
		time.Sleep(500 * time.Millisecond)
		return alice.video.count("bob") == v0 && alice.audio.count("bob") > a0
	}
	waitFor(t, joinTimeout, "bob's video stopped, audio flowing", stalled)

	alice.e.SetTiles(map[string]TileSize{"bob": {Width: 40, Height: 12}})
	v := alice.video.count("bob")
	waitFor(t, joinTimeout, "bob's video back", func() bool { return alice.video.count("bob") > v+30 })
}
