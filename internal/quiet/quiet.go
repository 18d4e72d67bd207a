// Package quiet keeps C libraries from writing over the terminal. Audio
// back ends that miniaudio loads (ALSA, JACK, OSS) print their complaints
// straight to file descriptor 2 — a dozen lines on every start on a machine
// without a sound card, such as a server reached over SSH, and more over a
// running terminal UI. Their output is diverted while it can only be
// noise: from process start (a C constructor runs before any Go package's
// init, where the microphone driver probes the back ends) until Restore,
// and around the terminal UI (Divert).
package quiet

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

var restoreOnce sync.Once

// Restore gives file descriptor 2 back its original file, as it was before
// the process started; what C libraries wrote meanwhile is dropped. Call it
// first thing in main. It is a no-op where nothing was diverted.
func Restore() {
	restoreOnce.Do(func() {
		if fd := savedStderr(); fd >= 0 {
			_ = syscall.Dup2(fd, 2)
			_ = syscall.Close(fd)
		}
	})
}

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
