package tui

import "testing"

func TestSparkline(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		width  int
		floor  float64
		want   string
	}{
		{"ramp", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, 0, "▁▂▃▄▅▆▇█"},
		{"not padded", []float64{7, 7}, 4, 0, "██"},
		{"newest kept", []float64{0, 0, 7, 7}, 2, 0, "██"},
		{"floor keeps small values low", []float64{1, 1}, 2, 7, "▂▂"},
		{"zeros", []float64{0, 0, 0}, 3, 0, "▁▁▁"},
		{"no width", []float64{1}, 0, 0, ""},
		{"empty", nil, 3, 0, ""},
	}
	for _, tt := range tests {
		if got := sparkline(tt.values, tt.width, tt.floor); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
