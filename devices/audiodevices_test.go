package devices

import (
	"slices"
	"testing"
)

// TestALSAListsOnlyCards: ALSA's plugin PCMs are not devices; a sound
// server's names are kept as they are.
func TestALSAListsOnlyCards(t *testing.T) {
	ids := func(devs []audioDevice) []string {
		var out []string
		for _, d := range devs {
			out = append(out, d.ID)
		}
		return out
	}
	mk := func(ids ...string) []audioDevice {
		var out []audioDevice
		for _, id := range ids {
			out = append(out, audioDevice{ID: id})
		}
		return out
	}
	if got := ids(hardwareOnlyOnALSA(mk("lavrate", "samplerate", "speexrate", "jack", "oss", "pulse", "speex", "upmix", "vdownmix"))); len(got) != 0 {
		t.Errorf("plugins listed as devices: %v", got)
	}
	if got := ids(hardwareOnlyOnALSA(mk("default", "sysdefault:CARD=PCH", "hw:CARD=PCH,DEV=0", "lavrate"))); !slices.Equal(got, []string{"sysdefault:CARD=PCH", "hw:CARD=PCH,DEV=0"}) {
		t.Errorf("cards: %v", got)
	}
	if got := ids(hardwareOnlyOnALSA(mk("tone", "spk.monitor", "alsa_input.pci-0000_00_1f.3.analog-stereo"))); len(got) != 3 {
		t.Errorf("PulseAudio names dropped: %v", got)
	}
}
