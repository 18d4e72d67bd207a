package devices

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/gen2brain/malgo"
)

// deviceOutput plays on a playback device through miniaudio.
type deviceOutput struct {
	ctx  *malgo.AllocatedContext
	dev  *malgo.Device
	info audioDevice
	buf  []int16
}

// openDeviceOutput finds the playback device with id, or the default one
// when id is "". Miniaudio's null device is never used: it "plays" into
// nothing, which would hide that nobody hears. An unknown id is an
// ErrNoSuchDevice listing the speakers there are.
func openDeviceOutput(id string) (*deviceOutput, error) {
	ctx, err := newAudioContext()
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", errNoOutputDevice, err)
	}
	devs, err := listAudioDevices(ctx, malgo.Playback)
	if err != nil {
		freeAudioContext(ctx)
		return nil, fmt.Errorf("%w (%w)", errNoOutputDevice, err)
	}
	d, err := findAudioDevice(devs, "speaker", id)
	if err != nil {
		freeAudioContext(ctx)
		if errors.Is(err, errNoDevice) {
			return nil, errNoOutputDevice
		}
		return nil, err
	}
	return &deviceOutput{ctx: ctx, info: d}, nil
}

// Start opens the device as mono 16-bit 48 kHz and starts pulling in 20 ms
// periods.
func (o *deviceOutput) Start(fill func([]int16)) error {
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = 1
	cfg.SampleRate = sampleRate
	cfg.PeriodSizeInMilliseconds = outPeriodMs
	var mu sync.Mutex
	cb := malgo.DeviceCallbacks{Data: func(out, _ []byte, frames uint32) {
		mu.Lock()
		defer mu.Unlock()
		if cap(o.buf) < int(frames) {
			o.buf = make([]int16, frames)
		}
		buf := o.buf[:frames]
		fill(buf)
		for i, v := range buf {
			if 2*i+1 < len(out) {
				binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
			}
		}
	}}
	dev, err := initAudioDevice(o.ctx, cfg, &o.info, cb)
	if err != nil {
		o.release()
		return fmt.Errorf("open output device: %w", err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		o.release()
		return fmt.Errorf("start output device: %w", err)
	}
	o.dev = dev
	return nil
}

// Close stops the device; no callback runs after it returns.
func (o *deviceOutput) Close() error {
	if o.dev != nil {
		stopAndUninit(o.dev)
		o.dev = nil
	}
	return o.release()
}

func (o *deviceOutput) release() error {
	if o.ctx == nil {
		return nil
	}
	err := o.ctx.Uninit()
	o.ctx.Free()
	o.ctx = nil
	if err != nil {
		return errors.Join(errors.New("release audio context"), err)
	}
	return nil
}

// OutputStatus says whether remote audio can be played here: "default
// output device", or why not (e.g. "off: no output device"). It opens
// nothing beyond a brief device query.
func OutputStatus() string {
	o, err := openDeviceOutput("")
	if err != nil {
		return "off: " + err.Error()
	}
	_ = o.release()
	return fmt.Sprintf("default output device %s (%s)", o.info.ID, o.info.Name)
}
