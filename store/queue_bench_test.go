package store

import "testing"

// BenchmarkQueuePushMerged is the cost of a media state that merges in
// place, the flood a remote can send while nobody reads.
func BenchmarkQueuePushMerged(b *testing.B) {
	q := NewQueue(4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.Push(UpdateRemoteMedia{PeerID: []string{"a", "b"}[i%2], Audio: i%4 < 2})
	}
}

// BenchmarkQueuePushFull is the worst case of a full queue: every other
// push is a switch that supersedes a queued one behind other actions, so
// each one compacts the whole queue to free one slot, and every other
// push is refused.
func BenchmarkQueuePushFull(b *testing.B) {
	q := NewQueue(4096)
	for i := range 4095 {
		q.Push(ChatReceived{Text: "x", Own: i%2 == 0})
	}
	q.Push(ToggleAudio{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			q.Push(ToggleAudio{Enabled: i%4 == 0})
		} else {
			q.Push(ChatRead{})
		}
	}
}
