package quiet

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDivertAndUndo: while diverted, what is written to fd 2 lands in the
// file; after undo, fd 2 is the original again.
func TestDivertAndUndo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stderr.log")
	before, err := os.Stat("/dev/stderr")
	if err != nil {
		t.Skip("no /dev/stderr here")
	}
	orig, undo, err := Divert(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.Write(2, []byte("noise from C\n")); err != nil {
		t.Fatal(err)
	}
	if st, err := orig.Stat(); err != nil || !os.SameFile(before, st) {
		t.Fatalf("the returned file is not the original stderr: %v", err)
	}
	undo()
	undo() // twice is harmless
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "noise from C\n" {
		t.Fatalf("diverted output %q, %v", b, err)
	}
	after, err := os.Stat("/dev/stderr")
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("fd 2 not restored: %v", err)
	}
}
