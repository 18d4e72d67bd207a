package call

import (
	"log/slog"

	"github.com/rtcterm/rtcterm/devices"
)

// newEchoCanceller is the microphone's echo cancellation for m, or nil
// when it is off: --no-aec, synthetic media (nothing to clean), or no
// playback (nothing to echo). The devices use it only between a real
// speaker and a real microphone. Without the library working the call goes
// on with the raw microphone.
func newEchoCanceller(m Media, log *slog.Logger) *devices.EchoCanceller {
	if m.NoAEC || m.Fake || m.NoAudioOut {
		return nil
	}
	e, err := devices.NewEchoCanceller(log)
	if err != nil {
		log.Warn("echo cancellation off", "err", err)
		return nil
	}
	return e
}
