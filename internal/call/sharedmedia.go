package call

import (
	"context"
	"sync"

	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/store"
)

// sharedMedia opens the local media once for both engines of a handover:
// the mesh and the SFU send the same encode-once tracks, so nobody's
// camera or microphone is opened twice and the switch needs no new capture.
// Only the handover closes it, after both engines have ended.
type sharedMedia struct {
	open func(context.Context) (*devices.Media, error)

	mu   sync.Mutex
	done bool
	m    *devices.Media
	err  error
}

// get opens the media on the first call and returns the same result after.
func (s *sharedMedia) get(ctx context.Context) (*devices.Media, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.m, s.err = s.open(ctx)
		s.done = s.err == nil || ctx.Err() == nil // a cancelled open may be retried
	}
	return s.m, s.err
}

// close releases the media, once.
func (s *sharedMedia) close() error {
	s.mu.Lock()
	m := s.m
	s.m, s.done = nil, true
	s.mu.Unlock()
	if m == nil {
		return nil
	}
	return m.Close()
}

// keptMedia is the media as an engine sees it: everything but Close,
// which is the handover's.
type keptMedia struct{ *devices.Media }

// Close does nothing: the handover closes the shared media.
func (keptMedia) Close() error { return nil }

// meshMedia is the mesh's view of the shared media. rtc reads Events until
// it is closed, so this view closes its own copy of the channel on Close
// while the media itself goes on.
type meshMedia struct {
	*devices.Media
	events chan store.MediaEvent
	stop   chan struct{}
	ended  chan struct{}
	once   sync.Once
}

func newMeshMedia(m *devices.Media) *meshMedia {
	v := &meshMedia{Media: m, events: make(chan store.MediaEvent, 8), stop: make(chan struct{}), ended: make(chan struct{})}
	go v.forward()
	return v
}

// forward passes the media's events on until the view is closed.
func (v *meshMedia) forward() {
	defer close(v.ended)
	defer close(v.events)
	src := v.Media.Events()
	for {
		select {
		case ev, ok := <-src:
			if !ok {
				return
			}
			select {
			case v.events <- ev:
			case <-v.stop:
				return
			}
		case <-v.stop:
			return
		}
	}
}

// Events implements rtc.LocalMedia.
func (v *meshMedia) Events() <-chan store.MediaEvent { return v.events }

// Close ends the view (its events), not the media.
func (v *meshMedia) Close() error {
	v.once.Do(func() { close(v.stop) })
	<-v.ended
	return nil
}
