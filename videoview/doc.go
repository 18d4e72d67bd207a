// Package videoview draws remote video in the terminal. A Sink receives
// every remote VP8 RTP packet (it implements rtc.VideoSink) and runs one
// worker goroutine per peer: Pion's samplebuilder assembles whole frames,
// mediadevices' libvpx decoder decodes them, and an area-averaging scaler
// and a cell encoder turn the picture into ready-made terminal lines for
// that peer's tile (Unicode half blocks in truecolor or 256 colours, or an
// ASCII ramp without colour).
//
// The UI never waits for video: workers render at most Config.FPS frames a
// second per tile, keep only the newest frame per peer, and signal Ready;
// the UI takes the frames when it has time (latest wins, nothing queues).
// Decode errors and losses ask the sender for a key frame through the
// requester, which rate-limits (rtc.Session.RequestKeyFrame does).
//
// What a peer sends is bounded before it costs anything: a peer without a
// tile is not decoded, a key frame declaring a picture above
// Config.MaxWidth×MaxHeight never reaches the decoder, and sequence jumps
// start a fresh sample builder instead of being purged packet by packet
// (docs/limits.md).
package videoview
