package rtc

import (
	"errors"
	"fmt"

	"github.com/rtcterm/rtcterm/store"
)

// ErrNoMedia reports a media switch asked of a session without local
// media: opening it failed (the call receives only), or, for screen share,
// it is not open yet.
var ErrNoMedia = errors.New("no local media")

// SetAudio turns the microphone feed on or off, tells the room, and emits
// store.ToggleAudio. Before the media is open it records the wish, which
// the media gets when it opens. It fails with ErrClosed once the session
// has ended and with ErrNoMedia when the media could not be opened.
func (s *Session) SetAudio(enabled bool) error {
	return s.setFeed(&s.audioOn, enabled, LocalMedia.SetAudioEnabled, store.ToggleAudio{Enabled: enabled})
}

// SetVideo turns the camera feed on or off, tells the room, and emits
// store.ToggleVideo; otherwise as SetAudio.
func (s *Session) SetVideo(enabled bool) error {
	return s.setFeed(&s.videoOn, enabled, LocalMedia.SetVideoEnabled, store.ToggleVideo{Enabled: enabled})
}

// setFeed records a media switch (guarded by s.mu), applies it to the
// media when it is open, emits done and announces the new media state.
// The action is emitted on every successful call, changed or not, so a
// store that disagreed with rtc is set right.
func (s *Session) setFeed(flag *bool, enabled bool, apply func(LocalMedia, bool), done store.Action) error {
	s.switchMu.Lock()
	defer s.switchMu.Unlock()
	s.mu.Lock()
	if err := s.switchableLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	*flag = enabled
	m := s.media
	s.mu.Unlock()
	if m != nil {
		apply(m, enabled)
	}
	s.emit(done)
	s.post(s.sendMediaState)
	return nil
}

// switchableLocked reports why the media switches cannot be used, if they
// cannot. s.mu is held.
func (s *Session) switchableLocked() error {
	switch {
	case s.closed:
		return ErrClosed
	case s.noMedia:
		return ErrNoMedia
	}
	return nil
}

// SetScreenShare starts or stops feeding the screen into the video track
// and emits store.ToggleScreenShare. On failure nothing changes and the
// media's error is returned; ErrNoMedia before the media is open, ErrClosed
// once the session has ended.
func (s *Session) SetScreenShare(enabled bool) error {
	s.switchMu.Lock()
	defer s.switchMu.Unlock()
	s.mu.Lock()
	err := s.switchableLocked()
	m := s.media
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("screen share: %w (not open yet)", ErrNoMedia)
	}
	if enabled {
		err = m.StartScreenShare()
	} else {
		err = m.StopScreenShare()
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.screen = enabled
	s.mu.Unlock()
	s.emit(store.ToggleScreenShare{Enabled: enabled})
	s.post(s.sendMediaState)
	return nil
}

// Leave ends the call: connections closed, leave sent, devices released.
func (s *Session) Leave() error { return s.Close() }
