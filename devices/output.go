package devices

// Output is where the Player's mix goes: mono 16-bit PCM at 48 kHz. The
// output pulls: once started it calls fill from its own goroutine (a sound
// card callback, or a test) whenever it needs len(buf) more samples.
type Output interface {
	// Start begins playback; fill must not be called after Close returns.
	Start(fill func(buf []int16)) error
	// Close stops playback.
	Close() error
}
