package audioproc

import "fmt"

// codeBadStreamParameterWarning is the module's warning that a stream
// parameter (the delay) was out of range and clamped: processing went on.
const codeBadStreamParameterWarning = -13

// LibError is an error code of the WebRTC module (AudioProcessing::Error).
type LibError int

func (e LibError) Error() string {
	names := map[LibError]string{
		-1: "unspecified", -2: "creation failed", -3: "unsupported component", -4: "unsupported function",
		-5: "null pointer", -6: "bad parameter", -7: "bad sample rate", -8: "bad data length",
		-9: "bad number of channels", -10: "file error", -11: "stream parameter not set", -12: "not enabled",
		-13: "bad stream parameter",
	}
	if n, ok := names[e]; ok {
		return fmt.Sprintf("webrtc audio processing error %d (%s)", int(e), n)
	}
	return fmt.Sprintf("webrtc audio processing error %d", int(e))
}

func libError[T ~int32 | ~int](code T) error { return LibError(int(code)) }
