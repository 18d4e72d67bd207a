//go:build asan

package vp8enc

// underASan: AddressSanitizer quarantines freed memory, so the resident
// set grows even when Close frees everything.
const underASan = true
