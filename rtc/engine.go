package rtc

import (
	"fmt"
)

// SetAudio turns the microphone feed on or off and tells the room.
func (s *Session) SetAudio(enabled bool) error {
	return s.setFeed(&s.audioOn, enabled, LocalMedia.SetAudioEnabled)
}

// SetVideo turns the camera feed on or off and tells the room.
func (s *Session) SetVideo(enabled bool) error {
	return s.setFeed(&s.videoOn, enabled, LocalMedia.SetVideoEnabled)
}

// setFeed records a media switch (guarded by s.mu), applies it to the
// media when it is open, and announces the new media state.
func (s *Session) setFeed(flag *bool, enabled bool, apply func(LocalMedia, bool)) error {
	s.mu.Lock()
	*flag = enabled
	m := s.media
	s.mu.Unlock()
	if m != nil {
		apply(m, enabled)
	}
	s.post(s.sendMediaState)
	return nil
}

// SetScreenShare starts or stops feeding the screen into the video track.
// On failure nothing changes.
func (s *Session) SetScreenShare(enabled bool) error {
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if m == nil {
		return fmt.Errorf("screen share: %w: media not ready", ErrClosed)
	}
	var err error
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
	s.post(s.sendMediaState)
	return nil
}

// Leave ends the call: connections closed, leave sent, devices released.
func (s *Session) Leave() error { return s.Close() }
