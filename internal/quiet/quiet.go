// Package quiet keeps C libraries from writing over the terminal. Audio
// back ends that miniaudio loads (ALSA, JACK, OSS) print their complaints
// straight to file descriptor 2 — a screenful when a device is opened on a
// machine without a sound card, such as a server reached over SSH. While a
// call runs their output is diverted (Divert); rtcterm's own messages keep
// the original stderr.
package quiet

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// Divert points file descriptor 2 at path (or /dev/null when path is
// empty) until undo restores it, so nothing a C library prints lands on the
// terminal. What rtcterm itself means for standard error goes to the
// returned file, the original stderr, which stays valid until undo.
func Divert(path string) (stderr *os.File, undo func(), err error) {
	saved, err := syscall.Dup(2)
	if err != nil {
		return nil, nil, fmt.Errorf("divert stderr: %w", err)
	}
	if path == "" {
		path = os.DevNull
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		_ = syscall.Close(saved)
		return nil, nil, fmt.Errorf("divert stderr: %w", err)
	}
	if err := syscall.Dup2(int(f.Fd()), 2); err != nil {
		_ = f.Close()
		_ = syscall.Close(saved)
		return nil, nil, fmt.Errorf("divert stderr: %w", err)
	}
	_ = f.Close()
	orig := os.NewFile(uintptr(saved), "stderr")
	var once sync.Once
	return orig, func() {
		once.Do(func() {
			_ = syscall.Dup2(saved, 2)
			_ = orig.Close()
		})
	}, nil
}
