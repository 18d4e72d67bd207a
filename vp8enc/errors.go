package vp8enc

import "errors"

// Sentinel errors, for callers that decide by kind.
var (
	// ErrLibvpx wraps a failure reported by libvpx.
	ErrLibvpx = errors.New("vp8enc: libvpx")
	// ErrBadParams reports a parameter outside its range.
	ErrBadParams = errors.New("vp8enc: bad parameter")
	// ErrBadFrame reports a picture the encoder cannot take.
	ErrBadFrame = errors.New("vp8enc: bad frame")
)

// ErrClosed reports a control call on a closed encoder.
var ErrClosed = errors.New("vp8enc: encoder closed")
