package lkengine

import (
	"context"
	"errors"
	"fmt"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/store"
)

// Error text of the specification for a call without local media.
const errTextMediaAbsent = "Media Not Available"

// openMedia captures local media before the join, so the tracks are
// published as soon as the room is joined. Without media the call goes on
// receive-only.
func (e *Engine) openMedia(ctx context.Context) {
	if e.cfg.OpenMedia == nil {
		e.emit(store.InitializeMediaRejected{Error: errTextMediaAbsent + ": no media configured (receiving only)"})
		return
	}
	e.emit(store.InitializeMediaPending{})
	m, err := e.cfg.OpenMedia(ctx)
	if err != nil || m == nil {
		if err == nil {
			err = errors.New("no media")
		}
		e.emit(store.InitializeMediaRejected{Error: fmt.Sprintf("%s: %v (receiving only)", errTextMediaAbsent, err)})
		return
	}
	e.mu.Lock()
	e.media = m
	if sh, ok := m.(screenSharer); ok {
		// A share already running (started on the mesh before the call
		// moved here) is published as a screen share from the start.
		e.screen = sh.ScreenSharing()
	}
	m.SetAudioEnabled(e.audioOn)
	m.SetVideoEnabled(e.videoOn)
	e.mu.Unlock()
	e.emit(store.InitializeMediaFulfilled{Stream: m.Description()})
}

// publish offers our encode-once tracks to the room: Opus as the
// microphone, VP8 as the camera (or the screen while sharing). A track
// that cannot be published is reported and the call goes on without it.
func (e *Engine) publish() {
	e.mu.Lock()
	m := e.media
	e.mu.Unlock()
	room := e.roomNow()
	if m == nil || room == nil {
		return
	}
	if t := m.AudioTrack(); t != nil {
		pub, err := room.LocalParticipant.PublishTrack(t, &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE})
		if err != nil {
			e.emit(store.SetConnectionError{Error: "livekit: publish audio: " + err.Error()})
		} else {
			e.mu.Lock()
			e.audioPub = pub
			pub.SetMuted(!e.audioOn)
			e.mu.Unlock()
		}
	}
	if err := e.publishVideo(room, m); err != nil {
		e.emit(store.SetConnectionError{Error: err.Error()})
	}
}

// publishVideo publishes the video track with the source it carries now,
// replacing an earlier publication of it.
func (e *Engine) publishVideo(room *lksdk.Room, m LocalMedia) error {
	t := m.VideoTrack()
	if t == nil {
		return nil
	}
	e.mu.Lock()
	old, screen := e.videoPub, e.screen
	e.videoPub = nil
	e.mu.Unlock()
	if old != nil {
		if err := room.LocalParticipant.UnpublishTrack(old.SID()); err != nil {
			e.log.Warn("livekit unpublish video", "err", err)
		}
	}
	opts := &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: e.cfg.VideoWidth, VideoHeight: e.cfg.VideoHeight}
	if screen {
		opts.Name, opts.Source = "screen", livekit.TrackSource_SCREEN_SHARE
	}
	e.mu.Lock()
	e.videoGen++
	id := fmt.Sprintf("%s-%d", opts.Name, e.videoGen)
	e.mu.Unlock()
	pub, err := room.LocalParticipant.PublishTrack(renamedTrack{t, id}, opts)
	if err != nil {
		return fmt.Errorf("livekit: publish video: %w", err)
	}
	e.mu.Lock()
	e.videoPub = pub
	pub.SetMuted(!e.videoOn)
	e.mu.Unlock()
	m.RequestKeyFrame() // new subscribers need one to start
	return nil
}

// SetAudio turns the microphone feed on or off; LiveKit shows it as the
// microphone publication's mute.
func (e *Engine) SetAudio(enabled bool) error {
	e.mu.Lock()
	e.audioOn = enabled
	m, pub := e.media, e.audioPub
	e.mu.Unlock()
	if m != nil {
		m.SetAudioEnabled(enabled)
	}
	if pub != nil {
		pub.SetMuted(!enabled)
	}
	e.emit(store.ToggleAudio{Enabled: enabled})
	return nil
}

// SetVideo turns the camera feed on or off; LiveKit shows it as the video
// publication's mute.
func (e *Engine) SetVideo(enabled bool) error {
	e.mu.Lock()
	e.videoOn = enabled
	m, pub := e.media, e.videoPub
	e.mu.Unlock()
	if m != nil {
		m.SetVideoEnabled(enabled)
	}
	if pub != nil {
		pub.SetMuted(!enabled)
	}
	e.emit(store.ToggleVideo{Enabled: enabled})
	return nil
}

// SetScreenShare switches the video track to the screen and back, and
// republishes it with the matching LiveKit source, so LiveKit's own
// clients show a screen share. On a capture failure nothing changes.
func (e *Engine) SetScreenShare(enabled bool) error {
	e.mu.Lock()
	m := e.media
	e.mu.Unlock()
	if m == nil {
		return fmt.Errorf("screen share: %w: media not ready", ErrClosed)
	}
	var err error
	if enabled {
		err = m.StartScreenShare()
	} else {
		err = m.StopScreenShare()
	}
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.screen = enabled
	e.mu.Unlock()
	e.emit(store.ToggleScreenShare{Enabled: enabled})
	if room := e.roomNow(); room != nil {
		if err := e.publishVideo(room, m); err != nil {
			return err
		}
	}
	return nil
}

// Retry asks LiveKit again for the tracks of a participant whose
// subscription failed. peerID "" (the connection to the server) has
// nothing to do: the SDK resumes and reconnects by itself.
func (e *Engine) Retry(peerID string) error {
	if peerID == "" {
		return nil
	}
	room := e.roomNow()
	if room == nil {
		return ErrClosed
	}
	rp := room.GetParticipantByIdentity(peerID)
	if rp == nil {
		return fmt.Errorf("retry %q: %w", peerID, ErrPeerNotFound)
	}
	e.mu.Lock()
	delete(e.subFail, peerID)
	e.mu.Unlock()
	var errs []error
	for _, pub := range rp.TrackPublications() {
		if rpub, ok := pub.(*lksdk.RemoteTrackPublication); ok && !subscribed(rpub) {
			errs = append(errs, rpub.SetSubscribed(true))
		}
	}
	e.markDirty(peerID)
	return errors.Join(errs...)
}

// RequestKeyFrame asks a participant (through the SFU) for a key frame of
// the video that feeds the sink, e.g. when the decoder lost its state.
func (e *Engine) RequestKeyFrame(peerID string) {
	room := e.roomNow()
	if room == nil {
		return
	}
	rp := room.GetParticipantByIdentity(peerID)
	if rp == nil {
		return
	}
	e.mu.Lock()
	var ssrcs []webrtc.SSRC
	for _, t := range e.tracks {
		if t.peerID == peerID && t.forward.Load() {
			ssrcs = append(ssrcs, t.ssrc)
		}
	}
	e.mu.Unlock()
	for _, s := range ssrcs {
		rp.WritePLI(s)
	}
}

// renamedTrack is the encode-once video track under a track id of its own
// per publication. LiveKit matches a published track to its media by that
// id; publishing the same id again after unpublishing it (camera to
// screen and back) is accepted but never reaches the other participants.
type renamedTrack struct {
	*webrtc.TrackLocalStaticSample
	id string
}

// ID is the publication's own track id.
func (r renamedTrack) ID() string { return r.id }

// ErrChatUnsupported reports chat in a LiveKit room, which this engine
// does not carry yet (LiveKit's chat travels in data packets).
var ErrChatUnsupported = errors.New("chat is not available in LiveKit rooms yet")

// SendChat refuses: see ErrChatUnsupported. The UI shows the refusal.
func (e *Engine) SendChat(string) error { return ErrChatUnsupported }
