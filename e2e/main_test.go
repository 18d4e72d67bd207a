package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// in-process demo, sessions and helpers must all shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
