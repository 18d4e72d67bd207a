package rtc

import (
	"sync/atomic"
	"testing"
)

func TestSeqCounter(t *testing.T) {
	cases := []struct {
		name           string
		seqs           []uint16
		expected, lost uint64
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 0},
		{"one gap", []uint16{10, 11, 13, 14}, 5, 1},
		{"gap filled by retransmission still counts", []uint16{10, 12, 11, 13}, 4, 1},
		{"duplicates ignored", []uint16{10, 11, 11, 12}, 3, 0},
		{"wraps around", []uint16{65534, 65535, 0, 2}, 5, 1},
	}
	for _, tc := range cases {
		var exp, lost atomic.Uint64
		c := seqCounter{expected: &exp, lost: &lost}
		for _, s := range tc.seqs {
			c.observe(s)
		}
		if exp.Load() != tc.expected || lost.Load() != tc.lost {
			t.Errorf("%s: expected %d lost %d, want %d %d", tc.name, exp.Load(), lost.Load(), tc.expected, tc.lost)
		}
	}
}
