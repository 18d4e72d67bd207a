#!/bin/sh
# Measures rtcterm↔Chromium under a rate cap (issue #11's row "600 kbps
# rtcterm↔Chromium"): in a network namespace of its own, caps loopback with
# one tc tbf queue for both directions (burst 8 kB, 200 ms), runs
# e2e/chromium_cap_test.go (build tag chromiumcap) and prints tc's counters.
# Usage: scripts/measure-chromium-cap.sh [rate, default 600kbit]
# RTCTERM_CAP_DUMP=file keeps rtcterm's --stats-json rows.
# Needs root (unshare -n), tc and Chromium.
set -eu
rate=${1:-600kbit}
cd "$(dirname "$0")/.."
go test -c -tags chromiumcap -o /tmp/rtcterm-e2e-cap.test ./e2e
exec unshare -n sh -c '
set -eu
ip link set lo up
# tbf drops every packet larger than its burst: loopback TCP (the page and
# its modules) sends 64 kB segments unless the MTU is an Ethernet one.
ip link set lo mtu 1500
tc qdisc add dev lo root handle 1: tbf rate "$1" burst 8kb latency 200ms
cd e2e
RTCTERM_CAP="$1" RTCTERM_CAP_DUMP="${RTCTERM_CAP_DUMP:-}" /tmp/rtcterm-e2e-cap.test -test.run "^TestChromiumUnderRateCap$" -test.v -test.count=1 2>&1 | grep -v "^=== "
tc -s qdisc show dev lo
' sh "$rate"
