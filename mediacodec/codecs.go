// Package mediacodec is the one place that says which codecs rtcterm sends
// and how often a key frame may be asked for. Both rtc (which negotiates the
// codecs and asks peers for key frames) and devices (which makes the tracks
// and forces key frames) import it, so neither has to import the other.
package mediacodec

import "github.com/pion/webrtc/v4"

// Payload types rtcterm offers: VP8 and Opus only, so browsers and
// terminals always agree and one encoder per kind serves every peer.
const (
	VP8PayloadType  webrtc.PayloadType = 96
	OpusPayloadType webrtc.PayloadType = 111
)

// OpusSampleRate is Opus's RTP clock rate, which is also the rate rtcterm
// captures, mixes and plays audio at.
const OpusSampleRate = 48000

// VP8 is the codec of every local video track and the only video codec
// negotiated. The feedback lets peers ask for retransmissions and key frames.
var VP8 = webrtc.RTPCodecCapability{
	MimeType:  webrtc.MimeTypeVP8,
	ClockRate: 90000,
	RTCPFeedback: []webrtc.RTCPFeedback{
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"},
	},
}

// Opus is the codec of every local audio track and the only audio codec
// negotiated: 48 kHz, two channels in SDP (as RFC 7587 requires; the content
// is mono), in-band forward error correction.
var Opus = webrtc.RTPCodecCapability{
	MimeType:    webrtc.MimeTypeOpus,
	ClockRate:   OpusSampleRate,
	Channels:    2,
	SDPFmtpLine: "minptime=10;useinbandfec=1",
}
