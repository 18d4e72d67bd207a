#!/bin/sh
# test.sh — the whole test suite, as `make test` and CI run it.
#
# The suite runs in a private network namespace that has only loopback
# (unshare -n), so no test can send traffic anywhere else and WebRTC
# gathers loopback candidates only. It starts its own Xvfb there, because
# the screen-capture driver looks for a display when the test binary starts.
set -eu
cd "$(dirname "$0")/.."

. scripts/netns.sh
enter_netns scripts/test.sh "$@"

xvfb_pid=""
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
	n=99
	while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
	Xvfb ":$n" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
	xvfb_pid=$!
	i=0
	while [ ! -e "/tmp/.X11-unix/X$n" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	export DISPLAY=":$n"
fi
# Tests that need a display or Chromium fail rather than skip when these are set.
export RTCTERM_REQUIRE_DISPLAY=1 RTCTERM_REQUIRE_CHROMIUM=1 RTCTERM_REQUIRE_LIVEKIT=1

# One package at a time: the suite is full of real-time media (calls,
# Chromium, PulseAudio playback, livekit-server), and two packages sharing
# the two cores starve each other's audio and video into flaky figures.
# Serially it takes about six minutes.
GOPROXY=off go test -p 1 -race -count=1 "$@" ./...
