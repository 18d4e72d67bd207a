package devices

import "time"

// keyFrameMinGap is the shortest time between two key frames forced by
// RequestKeyFrame. Several peers send PLIs for the same loss (and every
// new receiver sends one), so requests inside the gap are merged into one
// key frame at its end (mediacodec.KeyFrameGate) rather than dropped.
const keyFrameMinGap = 300 * time.Millisecond
