package devices

import (
	"testing"
	"time"

	"github.com/gen2brain/malgo"
)

func TestZZProbeMalgoCapture(t *testing.T) {
	ctx, err := malgo.InitContext([]malgo.Backend{malgo.BackendPulseaudio}, malgo.ContextConfig{}, func(m string) { t.Log("MA:", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ctx.Uninit(); ctx.Free() }()
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.SampleRate = 48000
	cfg.PeriodSizeInMilliseconds = 20
	cfg.PerformanceProfile = malgo.LowLatency
	type ev struct {
		at time.Duration
		n  uint32
	}
	evs := make(chan ev, 10000)
	t0 := time.Now()
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{Data: func(_, in []byte, n uint32) { evs <- ev{time.Since(t0), n} }})
	if err != nil {
		t.Fatal(err)
	}
	dev.Start()
	time.Sleep(3 * time.Second)
	dev.Uninit()
	close(evs)
	var total uint32
	for e := range evs {
		total += e.n
		t.Logf("%8.1f ms %5d total %.0f ms", float64(e.at.Microseconds())/1000, e.n, float64(total)/48)
	}
}
