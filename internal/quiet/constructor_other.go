//go:build !linux

package quiet

// savedStderr is -1: only the Linux build diverts stderr at start.
func savedStderr() int { return -1 }
