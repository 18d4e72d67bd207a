package devices

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/rtcterm/rtcterm/mediacodec"
	"github.com/rtcterm/rtcterm/store"
)

// Media owns local capture and exactly one TrackLocalStaticSample per kind
// for the whole call. Every frame is encoded once and written to that
// track, which the caller adds to every peer connection; mute, camera off
// and screen share change what feeds the tracks, never the tracks. The
// video is also offered in two layers (layers.go: rtc.LayeredMedia), each
// encoded once for all its subscribers: the high one is what the track
// carries, the low one runs only while subscribed.
type Media struct {
	cfg    Config
	audioT *webrtc.TrackLocalStaticSample
	videoT *webrtc.TrackLocalStaticSample
	events chan store.MediaEvent

	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards everything below and the pipes' state
	closed bool
	stats  MediaStats
	audio  *audioPipe
	video  *videoPipe
	live   *liveMic // what the audio encoder reads: the microphone can change under it
}

// Track and stream ids: fixed, so renegotiation never sees a new stream.
const (
	streamID     = "rtcterm"
	audioTrackID = "audio"
	videoTrackID = "video"
)

// Open starts capture as docs/slice.md's initializeMedia did, with its recovery:
// real devices when present (and Fake is false), synthetic sources
// otherwise; a video failure leaves the call audio-only and a failure of
// both leaves it receive-only. A device that exists but fails to open is
// reported as a store.MediaNotAvailable event. Open fails only when ctx is done or the
// tracks cannot be made.
func Open(ctx context.Context, cfg Config) (*Media, error) {
	return open(ctx, cfg, capturers{camera: openCamera, microphone: openMicrophone})
}

// capturers open real devices; tests substitute their own.
type capturers struct {
	camera     func(Config) (videoSource, error)
	microphone func(Config) (audioSource, error)
}

func open(ctx context.Context, cfg Config, devs capturers) (*Media, error) {
	cfg = cfg.withDefaults()
	audioT, err := webrtc.NewTrackLocalStaticSample(mediacodec.Opus, audioTrackID, streamID)
	if err != nil {
		return nil, fmt.Errorf("audio track: %w", err)
	}
	videoT, err := webrtc.NewTrackLocalStaticSample(mediacodec.VP8, videoTrackID, streamID)
	if err != nil {
		return nil, fmt.Errorf("video track: %w", err)
	}
	m := &Media{cfg: cfg, audioT: audioT, videoT: videoT, events: make(chan store.MediaEvent, 16)}
	m.audio = newAudioPipe(m, audioT)
	m.video = newVideoPipe(m, videoT)

	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	if cfg.Video {
		m.openVideo(devs.camera)
	}
	if cfg.Audio {
		m.openAudio(runCtx, devs.microphone)
	}
	if err := ctx.Err(); err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("open media: %w", err)
	}
	m.wg.Add(2)
	go func() { defer m.wg.Done(); m.video.loop(runCtx) }()
	go func() { defer m.wg.Done(); m.audio.loop(runCtx) }()
	cfg.Logger.Info("local media", "tracks", m.Description().Tracks)
	return m, nil
}

// openVideo installs the camera feed: a real camera, else the pattern, else
// nothing (audio-only).
func (m *Media) openVideo(openCamera func(Config) (videoSource, error)) {
	c := m.cfg
	var src videoSource
	if !c.Fake {
		cam, err := openCamera(c)
		switch {
		case err == nil:
			src = cam
		case !errors.Is(err, errNoDevice):
			m.emitLocked(store.MediaNotAvailable, "video", err)
		}
	}
	if src == nil {
		src = newSyntheticSource(c)
	}
	feed, err := newVideoFeed(src, c.Width, c.Height, c.FPS, c.VideoBitrateKbps)
	if err != nil {
		_ = src.Close()
		m.emitLocked(store.MediaNotAvailable, "video", fmt.Errorf("%w: %w (joining audio-only)", ErrMediaNotAvailable, err))
		return
	}
	feed.isCam = true
	m.video.camera = feed
	m.stats.VideoEncoders++
}

// openAudio installs the audio source: a real microphone, else the tone,
// else nothing.
func (m *Media) openAudio(ctx context.Context, openMicrophone func(Config) (audioSource, error)) {
	c := m.cfg
	// Every microphone, the first and any switched to or reopened later,
	// goes through the echo canceller.
	rawOpen := openMicrophone
	openMicrophone = func(c Config) (audioSource, error) {
		mic, err := rawOpen(c)
		if err != nil {
			return nil, err
		}
		return c.Echo.wrapNear(mic, micLatency), nil
	}
	var src audioSource
	if !c.Fake {
		mic, err := openMicrophone(c)
		switch {
		case err == nil:
			src = mic
		case !errors.Is(err, errNoDevice):
			m.emitLocked(store.MediaNotAvailable, "audio", err)
		}
	}
	if src == nil {
		src = newToneSource(ctx, c.Name)
	}
	// The encoder reads the microphone through liveMic, so a switch or a
	// vanished device changes what it reads, never the encoder or the track.
	live := newLiveMic(ctx, c, src, openMicrophone, m.audioEvent)
	src = live
	enc, err := newOpusEncoder(src)
	if err != nil {
		_ = src.Close()
		m.emitLocked(store.MediaNotAvailable, "audio", fmt.Errorf("%w: %w (no audio)", ErrMediaNotAvailable, err))
		return
	}
	m.audio.src, m.audio.enc, m.live = src, enc, live
	m.stats.AudioEncoders++
}

// Description lists the tracks actually captured: the camera (or pattern),
// the microphone (or tone) and, while sharing, the screen.
func (m *Media) Description() store.LocalStream {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.descriptionLocked()
}

func (m *Media) descriptionLocked() store.LocalStream {
	var ls store.LocalStream
	if m.audio.src != nil && !m.audio.ended && (m.live == nil || m.live.present()) {
		ls.Tracks = append(ls.Tracks, m.audio.src.Describe())
		ls.EchoCancel = cleaned(m.audio.src) && m.cfg.Echo.Active()
	}
	if m.video.camera != nil {
		ls.Tracks = append(ls.Tracks, m.video.cameraLocked().Describe())
	}
	if m.video.screen != nil {
		ls.Tracks = append(ls.Tracks, m.video.screen.src.Describe())
	}
	return ls
}

// AudioTrack is the one Opus (48 kHz, 2 channels in SDP, mono content)
// track to add to every peer connection. It is never nil; nothing is
// written to it without a source or while muted.
func (m *Media) AudioTrack() *webrtc.TrackLocalStaticSample { return m.audioT }

// VideoTrack is the one VP8 track to add to every peer connection. It is
// never nil; nothing is written to it without a source or with video off.
func (m *Media) VideoTrack() *webrtc.TrackLocalStaticSample { return m.videoT }

// SetAudioEnabled mutes (false) or unmutes (true) the microphone. Once it
// returns, no further packet is written until unmuted.
func (m *Media) SetAudioEnabled(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.audio.enabled = on
}

// SetVideoEnabled turns the camera feed off (no frames are written once it
// returns) or on again, starting with a key frame. Screen share is not
// affected.
func (m *Media) SetVideoEnabled(on bool) {
	m.mu.Lock()
	if on && !m.video.enabled {
		m.video.forceNext, m.video.low.forceNext = true, true
	}
	m.video.enabled = on
	m.mu.Unlock()
	m.video.poke()
}

// SetPreview registers fn to see every local video frame that is sent
// (camera or screen), or held back only for bandwidth (SetVideoTarget), for
// a preview of yourself. fn runs on the capture
// goroutine, must be quick and must not keep the image.
func (m *Media) SetPreview(fn func(image.Image)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.video != nil {
		m.video.preview = fn
	}
}

// RequestKeyFrame asks for a key frame, as rtc does on PLI or FIR from any
// peer. Requests closer together than keyFrameMinGap are merged into one
// key frame at the end of the gap. It never blocks for long.
func (m *Media) RequestKeyFrame() {
	m.mu.Lock()
	m.video.gate.Request()
	m.mu.Unlock()
}

// Stats counts what was written to the tracks so far.
func (m *Media) Stats() MediaStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Events delivers what happened to local media without being asked (a
// device vanished, a fallback was used), as rtc.LocalMedia asks. It is
// buffered; events are dropped (and logged) when nobody reads. It is closed
// by Close.
func (m *Media) Events() <-chan store.MediaEvent { return m.events }

// emitLocked queues an event without blocking. m.mu is held (or Media is
// not shared yet).
func (m *Media) emitLocked(kind store.MediaEventKind, track string, err error) {
	m.cfg.Logger.Warn("local media", "event", kind.String(), "track", track, "err", err)
	if m.closed {
		return
	}
	select {
	case m.events <- store.MediaEvent{Kind: kind, Track: track, Err: err, Stream: m.descriptionLocked()}:
	default:
		m.cfg.Logger.Warn("local media event dropped: nobody reads Events", "event", kind.String())
	}
}

// logErr logs a non-fatal error.
func (m *Media) logErr(what string, err error) {
	if err != nil {
		m.cfg.Logger.Warn(what, "err", err)
	}
}

// Close stops capture and encoding and releases every device; no goroutine
// is left. Call it after the peer connections using the tracks are closed.
// Closing twice is harmless.
func (m *Media) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.cancel()
	// Real devices only return from a blocked read when closed.
	var errs []error
	if src, ok := m.audio.src.(interrupting); ok && src != nil {
		errs = append(errs, m.audio.src.Close())
	}
	if cam := m.video.camera; cam != nil {
		if _, ok := cam.src.(interrupting); ok {
			errs = append(errs, cam.src.Close())
		}
	}
	m.mu.Unlock()
	m.video.poke()
	m.wg.Wait()

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.audio.src != nil {
		errs = append(errs, m.audio.src.Close())
	}
	if m.audio.enc != nil {
		errs = append(errs, m.audio.enc.Close())
	}
	feeds := append(m.video.retired, m.video.camera, m.video.screen)
	for _, f := range feeds {
		if f != nil {
			errs = append(errs, f.close())
		}
	}
	if m.video.nextCam != nil {
		errs = append(errs, m.video.nextCam.Close())
	}
	m.video.retired, m.video.screen, m.video.nextCam = nil, nil, nil
	if low := m.video.low.enc; low != nil {
		errs = append(errs, low.enc.Close())
	}
	close(m.events)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close media: %w", err)
	}
	return nil
}
