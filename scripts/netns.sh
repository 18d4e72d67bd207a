# netns.sh — sourced by test.sh and bench.sh: re-run the calling script in
# a private network namespace that has only loopback (unshare -n), so
# nothing leaves the machine and WebRTC gathers loopback candidates only.
# Modules are fetched first, because the namespace has no network.
#
#   . scripts/netns.sh; enter_netns scripts/NAME.sh "$@"   (from the repository root)
enter_netns() {
	if [ -z "${RTCTERM_IN_NETNS:-}" ]; then
		go mod download
		script=$1
		shift
		if unshare -n true 2>/dev/null; then
			exec env RTCTERM_IN_NETNS=1 unshare -n "$script" "$@"
		elif unshare -rn true 2>/dev/null; then
			exec env RTCTERM_IN_NETNS=1 unshare -rn "$script" "$@"
		fi
		echo "$(basename "$script"): cannot create a network namespace here; running on the host's loopback" >&2
	else
		ip link set lo up
	fi
}
