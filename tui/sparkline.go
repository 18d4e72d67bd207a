package tui

import "strings"

// sparkLevels are the eight bar heights of a sparkline, lowest first.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values (oldest first) as one line of at most width bars,
// the newest at the right. Bars scale from zero to the largest value, or to
// floor if that is larger, so a flat, tiny signal stays low instead of
// being stretched to full height. Missing history is not padded: the bars
// start right after their label, and the caller pads after them.
func sparkline(values []float64, width int, floor float64) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	top := floor
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	b.Grow(len(values) * 3)
	for _, v := range values {
		i := 0
		if top > 0 && v > 0 {
			i = int(v/top*float64(len(sparkLevels)-1) + 0.5)
		}
		b.WriteRune(sparkLevels[min(max(i, 0), len(sparkLevels)-1)])
	}
	return b.String()
}
