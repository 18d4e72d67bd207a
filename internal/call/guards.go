package call

import (
	"github.com/rtcterm/rtcterm/devices"
	"github.com/rtcterm/rtcterm/lkengine"
	"github.com/rtcterm/rtcterm/rtc"
	"github.com/rtcterm/rtcterm/tui"
	"github.com/rtcterm/rtcterm/videoview"
)

// The wiring adapts these packages to one another by their interfaces
// alone; these guards break the build, not a call, when one drifts.
var (
	_ rtc.LocalMedia          = (*devices.Media)(nil)
	_ rtc.RateController      = (*devices.Media)(nil) // the encoder follows the send estimate
	_ rtc.LayeredMedia        = (*devices.Media)(nil) // two encodings, each peer sent the one its link fits
	_ rtc.AudioSink           = (*devices.Player)(nil)
	_ rtc.VideoSink           = (*videoview.Sink)(nil)
	_ videoview.PreviewTap    = (*devices.Media)(nil)
	_ tui.AudioControl        = (*devices.Player)(nil)
	_ rtc.DeviceSwitcher      = (*devices.Media)(nil)  // the device picker: microphones, cameras
	_ rtc.DeviceSwitcher      = (*devices.Player)(nil) // and speakers
	_ rtc.OutputReporter      = (*devices.Player)(nil) // a speaker gone or back
	_ lkengine.DeviceSwitcher = (*devices.Media)(nil)
	_ lkengine.DeviceSwitcher = (*devices.Player)(nil)
	_ Engine                  = (*rtc.Session)(nil)
	_ Engine                  = (*lkengine.Engine)(nil)
	_ lkengine.LocalMedia     = (*devices.Media)(nil)
	_ lkengine.AudioSink      = (*devices.Player)(nil)
	_ lkengine.VideoSink      = (*videoview.Sink)(nil)
)
