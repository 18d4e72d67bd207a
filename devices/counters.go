package devices

// MediaStats counts what Media wrote to its tracks since Open. Writes made
// before a track is bound to a peer connection are counted although Pion
// drops them.
type MediaStats struct {
	AudioPackets  uint64 // Opus packets written (one per 20 ms while unmuted)
	AudioBytes    uint64 // Opus payload bytes written
	VideoFrames   uint64 // encoded video frames written
	VideoBytes    uint64 // VP8 payload bytes written
	KeyFrames     uint64 // of VideoFrames, key frames
	VideoEncodes  uint64 // frames given to the high layer's encoder (dropped by rate control or not)
	LowFrames     uint64 // encoded frames of the low layer handed to its subscribers
	LowBytes      uint64 // their VP8 payload bytes
	LowKeyFrames  uint64 // of LowFrames, key frames
	LowEncodes    uint64 // frames given to the low layer's encoder
	AudioEncoders int    // Opus encoders built over the call's life (1 with a source)
	VideoEncoders int    // VP8 encoders built: 1 for the camera, +1 per screen share, +1 for the low layer once used
	AudioTicks    uint64 // source audio frames read, written or not (muted)
	VideoTicks    uint64 // source video frames read, written or not (camera off)
}
