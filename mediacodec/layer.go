package mediacodec

// Layer names one of the (at most two) VP8 encodings of the local video a
// sender makes once for all its peers; each peer is sent one of them.
// devices encodes them, rtc picks one per peer: this package is the one
// definition both import.
type Layer int

// The layers, best first.
const (
	// LayerHigh is the configured picture: full size and frame rate, up to
	// the configured bitrate.
	LayerHigh Layer = iota
	// LayerLow is half the size at no more than 15 fps and a few hundred
	// kbps, for peers behind narrow links.
	LayerLow
)

// Layers is how many layers there are.
const Layers = 2

// String is the layer's name as --stats-json shows it.
func (l Layer) String() string {
	switch l {
	case LayerHigh:
		return "high"
	case LayerLow:
		return "low"
	}
	return "unknown"
}
