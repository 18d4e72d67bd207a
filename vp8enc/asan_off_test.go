//go:build !asan

package vp8enc

const underASan = false
