package devices

import (
	"fmt"
	"time"

	"github.com/gen2brain/malgo"
	"github.com/rtcterm/rtcterm/store"
)

// startOn starts out pulling the mix: the one place an output is started,
// at NewPlayer and on every switch or reopen, so whatever taps what is
// played (the echo canceller's far end) sees every output.
func (p *Player) startOn(out Output) error {
	if err := out.Start(p.echo.tapFar(p.heard, out)); err != nil {
		p.echo.untapFar()
		return err
	}
	return nil
}

// heard is the output's pull: it notes that the device is alive and hands
// out the mix.
func (p *Player) heard(buf []int16) {
	p.watch.beat(time.Now())
	p.fill(buf)
}

// supervise runs for the player's life. Without an output it pulls the
// mix at real-time pace, so jitter buffers drain and levels move; while a
// speaker plays it watches for the speaker vanishing, and while a vanished
// speaker is away it tries to reopen it by its ID, with backoff.
func (p *Player) supervise() {
	defer p.wg.Done()
	t := time.NewTicker(idleTick)
	defer t.Stop()
	buf := make([]int16, mixChunk)
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		p.outMu.Lock()
		out, reopen := p.out, p.lost && !now.Before(p.retryAt)
		p.outMu.Unlock()
		if out == nil {
			p.fill(buf)
			if reopen {
				p.reopenOutput()
			}
			continue
		}
		if dev, ok := out.(*deviceOutput); ok && p.watch.gone(now, dev.present) {
			p.outputGone(dev)
		}
	}
}

// present reports whether the sound system still lists this speaker.
func (o *deviceOutput) present() bool { return audioDevicePresent(malgo.Playback, o.info.ID) }

// outputGone retires a speaker that vanished: the mix goes on on the
// player's own clock (levels keep moving), and the speaker is reopened
// when it is back.
func (p *Player) outputGone(dev *deviceOutput) {
	p.outMu.Lock()
	if p.out != dev || p.outClosed {
		p.outMu.Unlock()
		return
	}
	p.out, p.lost = nil, true
	p.backoff = reopenFirst
	p.retryAt = time.Now().Add(p.backoff)
	gone := &DeviceGoneError{What: "speaker", Label: dev.info.Name, Then: "not playing until it is back", Cause: errDeviceGone}
	p.reason = gone.Error()
	p.emitLocked(store.MediaStreamEnded, gone)
	p.outMu.Unlock()
	p.log.Warn("remote audio", "playback", gone.Error())
	p.log.Debug("close vanished speaker", "err", dev.Close())
}

// reopenOutput tries once to play on the vanished speaker again.
func (p *Player) reopenOutput() {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if !p.lost || p.out != nil || p.outClosed {
		return
	}
	dev, err := openDeviceOutput(p.outID)
	if err == nil {
		err = p.startDeviceLocked(dev)
	}
	if err != nil {
		p.backoff = min(2*p.backoff, reopenMax)
		p.retryAt = time.Now().Add(p.backoff)
		return
	}
	p.emitLocked(store.MediaDeviceRestored, nil)
	p.log.Info("remote audio", "playback", "speaker back: "+p.outID)
}

// startDeviceLocked starts playing on dev (which Start releases on
// failure). p.outMu is held.
func (p *Player) startDeviceLocked(dev *deviceOutput) error {
	p.watch.beat(time.Now())
	if err := p.startOn(dev); err != nil {
		return fmt.Errorf("start output: %w", err)
	}
	p.out, p.outID, p.lost, p.reason = dev, dev.info.ID, false, ""
	return nil
}

// SwitchOutput moves playback to the speaker id (an ID Enumerate lists
// with Kind "speaker") in the middle of a call; the streams, their jitter
// buffers and volumes stay. On failure playback is off with Reason saying
// why, and the error is returned. A player made Disabled or with its own
// Output cannot switch (ErrSwitchUnsupported).
func (p *Player) SwitchOutput(id string) error {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	switch {
	case p.outClosed:
		return ErrClosed
	case p.fixed:
		return fmt.Errorf("%w: %s", ErrSwitchUnsupported, p.fixedWhy())
	}
	dev, err := openDeviceOutput(id)
	if err != nil {
		return fmt.Errorf("switch speaker: %w", err) // the old speaker plays on
	}
	if old := p.out; old != nil {
		p.out = nil
		p.log.Debug("close the speaker switched from", "err", old.Close())
	}
	if err := p.startDeviceLocked(dev); err != nil {
		p.lost, p.reason = false, noOutputOf+err.Error()
		p.emitLocked(store.MediaStreamEnded, err)
		return fmt.Errorf("switch speaker: %w", err)
	}
	p.emitLocked(store.MediaDeviceRestored, nil)
	return nil
}

// fixedWhy says why a fixed player cannot switch.
func (p *Player) fixedWhy() string {
	if p.reason != "" {
		return p.reason
	}
	return "playback goes to a fixed output"
}

// Devices lists the speakers playback can switch to, the one in use (or
// waited for) marked; none when the player cannot switch.
func (p *Player) Devices() ([]store.Device, error) {
	p.outMu.Lock()
	fixed, cur := p.fixed, p.outID
	p.outMu.Unlock()
	if fixed {
		return nil, nil
	}
	_, speakers := audioDeviceLists()
	out := make([]store.Device, 0, len(speakers))
	for _, d := range speakers {
		out = append(out, store.Device{Kind: "speaker", ID: d.ID, Label: d.Name, Current: d.ID == cur || (cur == "" && d.Default)})
	}
	return out, nil
}

// SwitchDevice is SwitchOutput for kind "speaker", the method set rtc and
// lkengine look for on their audio sink.
func (p *Player) SwitchDevice(kind, id string) error {
	if kind != "speaker" {
		return fmt.Errorf("%w: playback has no %q devices", ErrSwitchUnsupported, kind)
	}
	return p.SwitchOutput(id)
}

// Events reports what happened to the speaker by itself or by a switch:
// store.MediaStreamEnded (gone, Err says so), store.MediaDeviceRestored
// (playing again), both with Track "speaker". It is buffered; events are
// dropped when nobody reads. Close closes it.
func (p *Player) Events() <-chan store.MediaEvent { return p.events }

// emitLocked queues an event without blocking. p.outMu is held.
func (p *Player) emitLocked(kind store.MediaEventKind, err error) {
	if p.outClosed {
		return
	}
	select {
	case p.events <- store.MediaEvent{Kind: kind, Track: "speaker", Err: err}:
	default:
		p.log.Warn("speaker event dropped: nobody reads Events", "event", kind.String())
	}
}
