package devices

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
	"github.com/pion/mediadevices/pkg/wave"
	"github.com/rtcterm/rtcterm/store"
)

// Capture device settings: mono 16-bit 48 kHz (miniaudio converts from the
// device's own format and rate) in 10 ms periods. The device buffer holds
// micBufferPeriods periods so a source that posts large blocks loses
// nothing (miniaudio's default of 3 periods kept 60 ms of PulseAudio's
// sine source's 2 s blocks and dropped the rest).
const (
	micPeriodMs      = 10
	micBufferPeriods = 300 // 3 s
)

// deviceMic is a microphone opened through miniaudio. The device callback
// copies samples into a pacer; Read hands out 20 ms chunks at real-time
// pace.
type deviceMic struct {
	ctx   *malgo.AllocatedContext
	dev   *malgo.Device
	track store.Track

	mu       sync.Mutex
	clean    func(in, out []int16) []int16 // echo canceller's capture side (setCleaner), nil: raw
	cleanBuf []int16                       // clean's output, reused by the capture callback
	pacer    *capturePacer
	err      error // set once the device stopped or was closed
	wake     chan struct{}
	closed   chan struct{}
	closing  bool
	once     sync.Once
	watch    stallWatch // notices a source that vanished without a word
}

// openMicrophone opens the configured (or default) microphone. Without any
// capture device it returns errNoDevice (Media then uses the tone); an
// unknown ID is an ErrNoSuchDevice (also ErrMediaNotAvailable).
func openMicrophone(c Config) (audioSource, error) {
	if c.AudioDeviceID == syntheticID {
		return nil, errNoDevice
	}
	ctx, err := newAudioContext()
	if err != nil {
		return nil, errNoDevice
	}
	devs, err := listAudioDevices(ctx, malgo.Capture)
	if err != nil {
		freeAudioContext(ctx)
		return nil, errNoDevice
	}
	d, err := findAudioDevice(devs, "audio", c.AudioDeviceID)
	if err != nil {
		freeAudioContext(ctx)
		if err == errNoDevice {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrMediaNotAvailable, err)
	}
	m := &deviceMic{
		ctx:    ctx,
		track:  store.Track{Kind: "audio", Label: d.Name, DeviceID: d.ID},
		pacer:  newCapturePacer(chunkSamples, 20*time.Millisecond),
		wake:   make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.SampleRate = sampleRate
	cfg.PeriodSizeInMilliseconds = micPeriodMs
	cfg.Periods = micBufferPeriods
	dev, err := initAudioDevice(ctx, cfg, &d, malgo.DeviceCallbacks{Data: m.onData, Stop: m.onStop})
	if err != nil {
		freeAudioContext(ctx)
		return nil, fmt.Errorf("%w: microphone %q: %w", ErrMediaNotAvailable, d.Name, err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		freeAudioContext(ctx)
		return nil, fmt.Errorf("%w: microphone %q: %w", ErrMediaNotAvailable, d.Name, err)
	}
	m.dev = dev
	m.watch.beat(time.Now())
	return m, nil
}

// onData runs on the device's thread: copy and wake the reader, never
// block.
func (m *deviceMic) onData(_, in []byte, frames uint32) {
	n := min(int(frames), len(in)/2)
	if n == 0 {
		return
	}
	// in is s16 mono in host order, valid only during this call.
	samples := unsafe.Slice((*int16)(unsafe.Pointer(&in[0])), n)
	now := time.Now()
	m.watch.beat(now)
	m.mu.Lock()
	clean, buf := m.clean, m.cleanBuf
	m.mu.Unlock()
	if clean != nil {
		samples = clean(samples, buf) // here, not after the pacer: see EchoCanceller
	}
	m.mu.Lock()
	if clean != nil {
		m.cleanBuf = samples // reused: only this callback writes it
	}
	m.pacer.push(samples, now)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// onStop runs when the device stops, also on its own (unplugged, sound
// server gone): Read then fails, and the call goes on without audio.
func (m *deviceMic) onStop() {
	m.mu.Lock()
	if m.err == nil && !m.closing {
		m.err = errDeviceStopped
	}
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Read blocks until the next 20 ms chunk is due and returns it.
func (m *deviceMic) Read() (wave.Audio, func(), error) {
	chunk := wave.NewInt16Interleaved(wave.ChunkInfo{Len: chunkSamples, Channels: 1, SamplingRate: sampleRate})
	for {
		m.mu.Lock()
		if m.closing {
			m.mu.Unlock()
			return nil, func() {}, ErrClosed
		}
		ok, wait := m.pacer.pop(time.Now(), chunk.Data)
		err := m.err
		m.mu.Unlock()
		if ok {
			return chunk, func() {}, nil
		}
		if err != nil {
			return nil, func() {}, fmt.Errorf("microphone %q: %w", m.track.Label, err)
		}
		if m.watch.gone(time.Now(), m.present) {
			return nil, func() {}, fmt.Errorf("microphone %q: %w", m.track.Label, errDeviceGone)
		}
		m.waitFor(wait)
	}
}

// waitFor sleeps until wait has passed (0: until the device delivers), the
// device wakes us, or Close; at most deviceStall, so a device that went
// silent is noticed.
func (m *deviceMic) waitFor(wait time.Duration) {
	if wait <= 0 || wait > deviceStall {
		wait = deviceStall
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-m.closed:
	case <-m.wake:
	case <-t.C:
	}
}

// present reports whether the sound system still lists this microphone.
func (m *deviceMic) present() bool { return audioDevicePresent(malgo.Capture, m.track.DeviceID) }

// Describe says which device this is.
func (m *deviceMic) Describe() store.Track { return m.track }

func (m *deviceMic) interruptsRead() {}

// Close stops the device, once; a blocked Read returns.
func (m *deviceMic) Close() error {
	m.once.Do(func() {
		m.mu.Lock()
		m.closing = true
		m.mu.Unlock()
		close(m.closed)
		stopAndUninit(m.dev)
		freeAudioContext(m.ctx)
	})
	return nil
}
