package rtc

import (
	"github.com/rtcterm/rtcterm/store"
)

// Low-bandwidth mode (key b): what we send is capped to lowBandwidthKbps
// (with layered media: every peer gets the low layer), and the others are
// asked (media-state's lowBandwidth) to send us no more than
// lowBandwidthKbps either. A sender with layered media sends such a peer
// its low layer, which spares its other peers; with one shared encoding,
// the encoding drops for everyone.
const lowBandwidthKbps = 300

// SetLowBandwidth turns the low-bandwidth mode on or off and tells the
// room.
func (s *Session) SetLowBandwidth(on bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.lowBandwidth = on
	s.mu.Unlock()
	s.emit(store.ToggleLowBandwidth{Enabled: on})
	s.post(s.sendMediaState)
	return nil
}

// lowBandwidthOn reports the mode, for the send ceiling.
func (s *Session) lowBandwidthOn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lowBandwidth
}
