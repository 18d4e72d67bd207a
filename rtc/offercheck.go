package rtc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// ErrBadOffer reports a remote offer refused before it reached the peer
// connection.
var ErrBadOffer = errors.New("malformed offer")

// checkOffer refuses an offer that Pion v4.2.26 would refuse only after it
// had moved the connection to have-remote-offer: Pion cannot roll back
// (field notes), so such an offer would leave a working call unable to
// take any later offer, an ICE restart included. The checks mirror the
// ones SetRemoteDescription makes after changing the signaling state: a
// mid on every media section, ICE credentials where Pion looks for them,
// and a well-formed DTLS fingerprint. Whatever else Pion refuses is
// handled by replacing the connection (see answer).
func checkOffer(sdp string) error {
	parsed, err := (&webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}).Unmarshal()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	bundle := ""
	if g, ok := parsed.Attribute("group"); ok {
		if f := strings.Fields(g); len(f) >= 2 && f[0] == "BUNDLE" {
			bundle = f[1]
		}
	}
	ufrag, _ := parsed.Attribute("ice-ufrag")
	pwd, _ := parsed.Attribute("ice-pwd")
	fingerprint, _ := parsed.Attribute("fingerprint")
	iceChosen := false // the section Pion takes ICE details from was seen
	for _, md := range parsed.MediaDescriptions {
		mid, _ := md.Attribute("mid")
		if mid == "" {
			return fmt.Errorf("%w: a media section has no mid", ErrBadOffer)
		}
		if !iceChosen && (bundle == "" || mid == bundle) {
			iceChosen = true
			if err := checkCandidates(md.Attributes); err != nil {
				return err
			}
			if u, _ := md.Attribute("ice-ufrag"); ufrag == "" && u != "" {
				ufrag = u
				pwd, _ = md.Attribute("ice-pwd")
			}
		}
		if f, ok := md.Attribute("fingerprint"); ok && fingerprint == "" && (bundle == "" || mid == bundle) {
			fingerprint = f
		}
	}
	switch {
	case ufrag == "":
		return fmt.Errorf("%w: no ice-ufrag", ErrBadOffer)
	case pwd == "":
		return fmt.Errorf("%w: no ice-pwd", ErrBadOffer)
	case len(strings.Split(fingerprint, " ")) != 2:
		return fmt.Errorf("%w: no well-formed fingerprint", ErrBadOffer)
	}
	return nil
}

// checkCandidates refuses a section whose candidates all fail to parse,
// as Pion does; candidates of unknown types or networks Pion skips.
func checkCandidates(attrs []sdp.Attribute) error {
	var bad error
	for _, a := range attrs {
		if !a.IsICECandidate() {
			continue
		}
		_, err := ice.UnmarshalCandidate(a.Value)
		switch {
		case err == nil:
			return nil // one usable candidate is enough for Pion
		case errors.Is(err, ice.ErrUnknownCandidateTyp), errors.Is(err, ice.ErrDetermineNetworkType):
		default:
			bad = err
		}
	}
	if bad != nil {
		return fmt.Errorf("%w: no candidate parses: %w", ErrBadOffer, bad)
	}
	return nil
}

// newConnectionOffered reports whether a description comes from a
// different connection than the one pc negotiated with: its DTLS
// fingerprint differs from the current remote one. That happens only when
// the remote replaced its connection (after a refused offer, see answer),
// and a renegotiation cannot bring a new DTLS session up, so the local
// connection must be replaced too.
func newConnectionOffered(pc *webrtc.PeerConnection, sdp string) bool {
	cur := pc.CurrentRemoteDescription()
	if cur == nil {
		return false
	}
	was, now := sdpFingerprint(cur.SDP), sdpFingerprint(sdp)
	return was != "" && now != "" && was != now
}
