// Package devices captures local media and plays remote audio for a call.
//
// Media owns capture and exactly one TrackLocalStaticSample per kind for
// the whole call: every frame is encoded once (one VP8 encoder, one Opus
// encoder) and written to that track, which the rtc package adds to every
// peer connection. Mute, camera off and screen share change what feeds the
// tracks; the tracks themselves never change, because replacing a track
// object restarts its RTP sequence numbers and freezes the receivers.
//
// Real cameras, microphones and X11 screens come through the mediadevices
// drivers. Where none exist (or with Config.Fake) synthetic sources take
// their place: a moving test pattern with the participant's name and a
// running clock, and a pulsed tone whose pitch depends on the name. Each
// Media has its own independent sources, so several bots can run in one
// process.
//
// Player decodes every remote Opus stream, conceals lost packets, mixes
// the streams into one and plays it on the default output device, and
// measures each peer's audio level for a speaking indicator.
package devices
