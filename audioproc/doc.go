// Package audioproc cleans up a microphone's signal for a call with the
// WebRTC audio processing module (the system's webrtc-audio-processing
// 0.3, the library PulseAudio's module-echo-cancel uses): acoustic echo
// cancellation against what the loudspeaker plays, noise suppression,
// adaptive digital gain control and a high-pass filter.
//
// The module is C++; a small shim (shim.cc) gives it a C API for cgo. It
// works on 10 ms frames of mono 16-bit PCM. The far end (what is played)
// goes in through ProcessFar, the near end (what the microphone captured)
// through ProcessNear, which rewrites it in place. The echo canceller runs
// delay-agnostic with the extended filter: it finds the echo path's delay
// itself, starting from the estimate given to SetDelay.
package audioproc
