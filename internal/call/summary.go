package call

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rtcterm/rtcterm/store"
	"github.com/rtcterm/rtcterm/tui"
)

// Summary is the short account of the call printed when it ends, one line
// per peer still in it: how long you were connected, the median round trip,
// the loss and the bitrates over the stats history (store.HistoryLen
// samples, the last minute at the default interval). "" when nobody was.
func Summary(s store.State, now time.Time) string {
	conns := store.SelectConnections(s)
	if len(conns) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "call summary (RTT, loss and bitrates over each peer's last %d samples):\n", store.HistoryLen)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range conns {
		name := tui.Sanitize(c.UserName, 32)
		if c.ConnectedAt.IsZero() {
			fmt.Fprintf(tw, "  %s\tnever connected\n", name)
			continue
		}
		var rtts []float64
		var loss, recv, send float64
		for _, h := range c.History {
			if h.RTTMillis > 0 {
				rtts = append(rtts, h.RTTMillis)
			}
			loss += h.LossPct
			recv += h.RecvKbps
			send += h.SendKbps
		}
		n := float64(max(len(c.History), 1))
		rtt := "RTT -"
		if len(rtts) > 0 {
			slices.Sort(rtts)
			rtt = fmt.Sprintf("RTT %.0f ms", rtts[len(rtts)/2])
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\tloss %.1f %%\t↓ %.0f kbps ↑ %.0f kbps\n",
			name, now.Sub(c.ConnectedAt).Round(time.Second), rtt, loss/n, recv/n, send/n)
	}
	tw.Flush()
	return b.String()
}
