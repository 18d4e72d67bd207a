package devices

import (
	"context"
	"fmt"
	"image"
	"os"
	"sync"

	"github.com/pion/mediadevices/pkg/driver"
	_ "github.com/pion/mediadevices/pkg/driver/screen" // X11 screens (registered at process start)
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/rtcterm/rtcterm/store"
)

// screenFPS caps the screen share frame rate: text stays sharp, CPU low.
const screenFPS = 10

// StartScreenShare switches the video track to a new screen encoder fed by
// the first X11 screen and forces a key frame. Without a display it fails
// with ErrScreenUnavailable and nothing changes. Starting while already
// sharing does nothing.
func (m *Media) StartScreenShare() error {
	m.mu.Lock()
	closed, sharing := m.closed, m.video.screen != nil
	m.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case sharing:
		return nil
	}
	feed, err := openScreenFeed(m.cfg)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed || m.video.screen != nil {
		m.mu.Unlock()
		_ = feed.close()
		if m.closed {
			return ErrClosed
		}
		return nil
	}
	m.video.screen = feed
	m.video.forceNext = true
	m.stats.VideoEncoders++
	m.mu.Unlock()
	m.video.poke()
	return nil
}

// StopScreenShare switches the video track back to the camera (or to
// nothing when video is off), starting with a key frame, and releases the
// screen once the pipeline let go of it. Stopping when not sharing does
// nothing.
func (m *Media) StopScreenShare() error {
	m.mu.Lock()
	feed := m.video.screen
	if feed == nil || m.closed {
		m.mu.Unlock()
		return nil
	}
	m.video.screen = nil
	m.video.forceNext = true
	m.video.retired = append(m.video.retired, feed)
	m.mu.Unlock()
	m.video.poke()
	<-feed.done // closed by the pipeline, or by Close
	return nil
}

// ScreenSharing reports whether the screen feeds the video track.
func (m *Media) ScreenSharing() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.video.screen != nil
}

// openScreenFeed opens the first X11 screen with its own encoder.
func openScreenFeed(c Config) (*videoFeed, error) {
	display := os.Getenv("DISPLAY")
	if display == "" {
		return nil, fmt.Errorf("%w: no X11 display (DISPLAY is unset)", ErrScreenUnavailable)
	}
	ds := usableDrivers(driver.Screen)
	if len(ds) == 0 {
		return nil, fmt.Errorf("%w: no X11 screen on display %q (it must be reachable when rtcterm starts)", ErrScreenUnavailable, display)
	}
	d := ds[0]
	vr, ok := d.(driver.VideoRecorder)
	if !ok {
		return nil, fmt.Errorf("%w: screen %q cannot record", ErrScreenUnavailable, d.Info().Label)
	}
	if err := guard(d.Open); err != nil {
		return nil, fmt.Errorf("%w: open screen %q: %w", ErrScreenUnavailable, d.Info().Label, err)
	}
	var (
		r    video.Reader
		w, h int
	)
	err := guard(func() error {
		props := d.Properties()
		if len(props) == 0 {
			return fmt.Errorf("screen %q reports no size", d.Info().Label)
		}
		p := props[0]
		p.FrameRate = screenFPS
		w, h = p.Width&^1, p.Height&^1
		var rerr error
		r, rerr = vr.VideoRecord(p)
		return rerr
	})
	if err != nil {
		_ = guard(d.Close)
		return nil, fmt.Errorf("%w: screen %q: %w", ErrScreenUnavailable, d.Info().Label, err)
	}
	src := &screenVideo{d: d, r: r, w: w, h: h, track: store.Track{Kind: "video", Label: "screen " + d.Info().Label, DeviceID: d.Info().Label}}
	feed, err := newVideoFeed(src, w, h, screenFPS, c.VideoBitrateKbps)
	if err != nil {
		_ = src.Close()
		return nil, fmt.Errorf("%w: %w", ErrScreenUnavailable, err)
	}
	return feed, nil
}

// screenVideo is an X11 screen. The driver paces reads with a ticker that
// it stops on Close, so a read after (or during) Close would block
// forever: only the pipeline goroutine reads, and the screen is closed
// only after that goroutine let go of it (never interrupting).
type screenVideo struct {
	d     driver.Driver
	r     video.Reader
	w, h  int
	track store.Track
	once  sync.Once
}

// Next returns the next screenshot (at most screenFPS per second), cropped
// to even dimensions for the encoder.
func (s *screenVideo) Next(ctx context.Context) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, err := readFrame(s.r)
	if err != nil {
		return nil, err
	}
	if rgba, ok := img.(*image.RGBA); ok && (rgba.Rect.Dx() != s.w || rgba.Rect.Dy() != s.h) {
		img = rgba.SubImage(image.Rect(rgba.Rect.Min.X, rgba.Rect.Min.Y, rgba.Rect.Min.X+s.w, rgba.Rect.Min.Y+s.h))
	}
	return img, nil
}

func (s *screenVideo) Describe() store.Track { return s.track }

// Close closes the driver, once.
func (s *screenVideo) Close() error {
	var err error
	s.once.Do(func() { err = guard(s.d.Close) })
	return err
}
