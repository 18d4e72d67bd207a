#!/bin/sh
# deps.sh — install the system packages rtcterm needs, only those missing.
#
#   scripts/deps.sh build   what building needs (make build, make run)
#   scripts/deps.sh test    that plus what the test suite needs (make test),
#                           including livekit-server (built with go install
#                           into ${XDG_CACHE_HOME:-~/.cache}/rtcterm/bin) and
#                           redis-server for the LiveKit engine's tests
#
# Debian/Ubuntu: installs with apt-get (through sudo when not root).
# macOS: prints the Homebrew line. Elsewhere: names the packages and stops.
set -eu

mode=${1:-build}
missing=""

need_pc() { # pkg-config module, package
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$1" 2>/dev/null; then
		missing="$missing $2"
	fi
}
need_cmd() { # command, package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

if ! command -v go >/dev/null 2>&1; then
	echo "deps.sh: Go is not installed; rtcterm needs Go 1.26 or later (https://go.dev/dl/)." >&2
	exit 1
fi

need_cmd pkg-config pkg-config
need_cmd gcc gcc
need_pc vpx libvpx-dev
need_pc opus libopus-dev
need_pc opusfile libopusfile-dev
need_pc x11 libx11-dev
need_pc xext libxext-dev
need_pc webrtc-audio-processing libwebrtc-audio-processing-dev # echo cancellation (audioproc)
need_cmd g++ g++                                                 # audioproc's C++ shim
if [ "$mode" = test ]; then
	need_cmd chromium chromium
	need_cmd Xvfb xvfb
	need_cmd tmux tmux
	need_cmd ip iproute2
	need_cmd unshare util-linux
	need_cmd pgrep procps
	need_cmd pulseaudio pulseaudio # private PulseAudio servers: real audio devices without hardware
	need_cmd parec pulseaudio-utils
	need_cmd sox sox
	need_cmd espeak-ng espeak-ng # speech for the echo test's talkers
	need_cmd redis-server redis-server
fi

# livekit-server, for the LiveKit engine's tests against a real SFU. It is
# built from source through the Go module proxy, once: v1.13.5, because
# later tags pin LiveKit's forks of Pion, which the proxy refuses.
livekit_version=1.13.5
install_livekit() {
	bindir="${XDG_CACHE_HOME:-$HOME/.cache}/rtcterm/bin"
	if [ -x "$bindir/server" ] && "$bindir/server" --version 2>/dev/null | grep -q "$livekit_version"; then
		return 0
	fi
	echo "deps.sh: building livekit-server $livekit_version into $bindir (a few minutes)" >&2
	mkdir -p "$bindir"
	if ! (cd / && GOBIN="$bindir" go install "github.com/livekit/livekit-server/cmd/server@v$livekit_version"); then
		echo "deps.sh: could not build livekit-server; the LiveKit tests need it (see README, Large rooms: LiveKit)" >&2
		exit 1
	fi
}
[ "$mode" = test ] && install_livekit

[ -z "$missing" ] && exit 0
# shellcheck disable=SC2086 # word splitting of the package list is intended
set -- $missing
echo "deps.sh: installing $*" >&2

case "$(uname -s)" in
Darwin)
	echo "deps.sh: on macOS run: brew install pkg-config libvpx opus opusfile webrtc-audio-processing" >&2
	echo "  (screen capture and the browser tests need X11 and Chromium; see README.md)" >&2
	exit 1
	;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: no apt-get here; install these packages (Debian names) yourself: $*" >&2
	exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "deps.sh: not root and no sudo; as root run: apt-get install -y $*" >&2
		exit 1
	fi
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "$@" >/dev/null
echo "deps.sh: installed $*" >&2
