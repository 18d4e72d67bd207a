package lkengine

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// callbacks are the SDK's room events. They run on SDK goroutines, in no
// guaranteed order (the SDK starts some on goroutines of their own), so
// each only marks the participant for the loop, which reads the SDK's
// current view and tells the store what changed. None of them blocks.
func (e *Engine) callbacks() *lksdk.RoomCallback {
	mark := func(p lksdk.Participant) {
		if p != nil {
			e.markDirty(p.Identity())
		}
	}
	return &lksdk.RoomCallback{
		OnParticipantConnected:    func(rp *lksdk.RemoteParticipant) { mark(rp) },
		OnParticipantDisconnected: func(rp *lksdk.RemoteParticipant) { mark(rp) },
		OnReconnecting: func() {
			e.reconnecting.Store(true)
			e.emit(store.UpdateSignaling{Signaling: e.signaling(store.SignalingReconnecting)})
			e.markAll()
		},
		OnReconnected: func() {
			e.reconnecting.Store(false)
			e.emit(store.UpdateSignaling{Signaling: e.signaling(store.SignalingConnected)})
			e.markAll()
		},
		OnDisconnectedWithReason: func(reason lksdk.DisconnectionReason) {
			select {
			case e.gone <- reason:
			default:
			}
		},
		ParticipantCallback: lksdk.ParticipantCallback{
			OnTrackMuted:   func(pub lksdk.TrackPublication, p lksdk.Participant) { e.trackMuted(pub, p, true) },
			OnTrackUnmuted: func(pub lksdk.TrackPublication, p lksdk.Participant) { e.trackMuted(pub, p, false) },
			OnConnectionQualityChanged: func(info *livekit.ConnectionQualityInfo, p lksdk.Participant) {
				if p == nil || info == nil {
					return
				}
				e.mu.Lock()
				e.quality[p.Identity()] = qualityName(info.GetQuality())
				e.mu.Unlock()
			},
			OnTrackSubscribed: func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
				e.trackSubscribed(t, pub, rp)
				mark(rp)
			},
			OnTrackUnsubscribed: func(_ *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
				e.trackUnsubscribed(pub)
				mark(rp)
			},
			OnTrackSubscriptionFailed: func(_ string, rp *lksdk.RemoteParticipant) {
				if rp == nil {
					return
				}
				e.mu.Lock()
				e.subFail[rp.Identity()] = true
				e.mu.Unlock()
				mark(rp)
			},
			OnTrackPublished:   func(_ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) { mark(rp) },
			OnTrackUnpublished: func(_ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) { mark(rp) },
		},
	}
}

// trackMuted follows a mute change: a remote one is reconciled; one of
// our own tracks muted by the server (a moderator) flips our switch.
func (e *Engine) trackMuted(pub lksdk.TrackPublication, p lksdk.Participant, muted bool) {
	if p == nil || pub == nil {
		return
	}
	if _, local := p.(*lksdk.LocalParticipant); !local {
		e.markDirty(p.Identity())
		return
	}
	e.mu.Lock()
	audio := e.audioPub != nil && pub.SID() == e.audioPub.SID()
	changed := audio && e.audioOn == muted
	if changed {
		e.audioOn = !muted
	}
	m := e.media
	e.mu.Unlock()
	if changed {
		if m != nil {
			m.SetAudioEnabled(!muted)
		}
		e.emit(store.ToggleAudio{Enabled: !muted})
	}
}

// markDirty asks the loop to reconcile one participant.
func (e *Engine) markDirty(identity string) {
	e.dirtyMu.Lock()
	e.dirty[identity] = struct{}{}
	e.dirtyMu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// markAll asks the loop to reconcile every participant, known or new.
func (e *Engine) markAll() {
	room := e.roomNow()
	if room != nil {
		for _, rp := range room.GetRemoteParticipants() {
			e.markDirty(rp.Identity())
		}
	}
	e.mu.Lock()
	ids := make([]string, 0, len(e.peers))
	for id := range e.peers {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	for _, id := range ids {
		e.markDirty(id)
	}
}

// classify maps a failed join to the errors callers decide on. The SDK
// reports a 401 from the server's validation endpoint only as text
// starting "unauthorized:", hence the prefix test.
func (e *Engine) classify(err error) error {
	var ue *url.Error
	switch {
	case strings.HasPrefix(err.Error(), "unauthorized"):
		return fmt.Errorf("%w (check %s): %w", ErrUnauthorized, e.cfg.credentialFlags(), err)
	case errors.As(err, &ue), errors.Is(err, lksdk.ErrCannotConnectSignal), errors.Is(err, lksdk.ErrConnectionTimeout):
		return fmt.Errorf("%w at %s: %w", ErrUnreachable, e.cfg.URL, err)
	}
	return fmt.Errorf("livekit join: %w", err)
}
