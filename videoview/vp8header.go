package videoview

import (
	"errors"
	"fmt"
)

// Default picture size cap (Config.MaxWidth, Config.MaxHeight): 1080p, in
// the 16-pixel macroblocks a VP8 encoder rounds 1080 up to.
const (
	DefaultMaxWidth  = 1920
	DefaultMaxHeight = 1088
)

// A VP8 key frame starts with a 10-byte header (RFC 6386 §9.1): a 3-byte
// frame tag (bit 0 is 0 for a key frame), the start code 9d 01 2a, then
// width and height as 16-bit little-endian values whose low 14 bits are
// the size and whose top 2 bits are an upscaling hint for the application.
// The decoder allocates its buffers for the declared size, so the size is
// checked before the decoder sees the frame.
const keyFrameHeaderLen = 10

// Why a key frame is refused before decoding.
var (
	errKeyFrameShort     = errors.New("videoview: VP8 key frame shorter than its header")
	errKeyFrameStartCode = errors.New("videoview: VP8 key frame without start code")
	errKeyFrameEmpty     = errors.New("videoview: VP8 key frame declares a zero size")
	errKeyFrameTooLarge  = errors.New("videoview: VP8 key frame larger than the cap")
)

// keyFrameSize returns the picture size a VP8 key frame declares.
func keyFrameSize(data []byte) (w, h int, err error) {
	if len(data) < keyFrameHeaderLen {
		return 0, 0, errKeyFrameShort
	}
	if data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a {
		return 0, 0, errKeyFrameStartCode
	}
	w = int(data[6]) | int(data[7]&0x3f)<<8
	h = int(data[8]) | int(data[9]&0x3f)<<8
	if w == 0 || h == 0 {
		return w, h, errKeyFrameEmpty
	}
	return w, h, nil
}

// checkKeyFrame refuses a key frame whose header is malformed or whose
// picture exceeds maxW×maxH in either orientation (so portrait video at
// the same resolution passes).
func checkKeyFrame(data []byte, maxW, maxH int) error {
	w, h, err := keyFrameSize(data)
	if err != nil {
		return err
	}
	if (w <= maxW && h <= maxH) || (w <= maxH && h <= maxW) {
		return nil
	}
	return fmt.Errorf("%w: %d×%d, cap %d×%d", errKeyFrameTooLarge, w, h, maxW, maxH)
}
