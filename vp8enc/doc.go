// Package vp8enc is a small cgo VP8 encoder over the system libvpx, built
// for real-time calls on narrow links: it holds its bit rate (constant bit
// rate with short buffers and frame dropping) and stays cheap (a fixed
// realtime speed instead of libvpx's auto speed selection, which spends up
// to a whole frame interval on each frame).
//
// Params implements mediadevices' codec.VideoEncoderBuilder, and the
// encoder it builds implements codec.BitRateController and
// codec.KeyFrameController, so it replaces mediadevices' pkg/codec/vpx
// encoder without other changes to the caller.
package vp8enc
