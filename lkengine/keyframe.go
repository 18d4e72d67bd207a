package lkengine

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// pliWatch is an interceptor that turns the SFU's PLI and FIR into a key
// frame of our encoder. The SDK reads a plain track's RTCP and drops it,
// so without this a subscriber that needs a key frame (it joined, or the
// SFU resumed or switched its video) waits for one nobody asked for.
type pliWatch struct {
	interceptor.NoOp
	onPLI func()
}

// pliFactory makes one pliWatch per peer connection of the SDK.
type pliFactory struct{ onPLI func() }

// NewInterceptor implements interceptor.Factory.
func (f pliFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &pliWatch{onPLI: f.onPLI}, nil
}

// BindRTCPReader implements interceptor.Interceptor: it looks at every
// RTCP packet the connection reads and passes it on unchanged.
func (w *pliWatch) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err == nil && wantsKeyFrame(b[:n]) {
			w.onPLI()
		}
		return n, attr, err
	})
}

// wantsKeyFrame reports whether a compound RTCP packet asks for a key
// frame. A packet that does not parse asks for nothing.
func wantsKeyFrame(b []byte) bool {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return false
	}
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			return true
		}
	}
	return false
}

// localKeyFrame asks our encoder for a key frame (it merges requests).
func (e *Engine) localKeyFrame() {
	e.mu.Lock()
	m := e.media
	e.mu.Unlock()
	if m != nil {
		m.RequestKeyFrame()
	}
}
