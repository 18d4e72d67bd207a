package devices

import (
	"context"
	"sync"
	"time"
)

// frameClock paces a synthetic video source: one tick per frame, and a
// Close that wakes a blocked wait. The pattern and the camera-like picture
// embed it.
type frameClock struct {
	ticker *time.Ticker
	closed chan struct{}
	once   sync.Once
}

func newFrameClock(fps int) frameClock {
	return frameClock{ticker: time.NewTicker(time.Second / time.Duration(fps)), closed: make(chan struct{})}
}

// wait blocks until the next frame is due, ctx ends or the clock closes.
func (c *frameClock) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return ErrClosed
	case <-c.ticker.C:
		return nil
	}
}

// Close stops the clock; a blocked wait returns. Safe to call twice.
func (c *frameClock) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.ticker.Stop()
	})
	return nil
}
