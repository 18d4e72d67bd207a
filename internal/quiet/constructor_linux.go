package quiet

/*
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>

static int quiet_saved_stderr = -1;

// Runs when the binary is loaded, before the Go runtime starts and so
// before any package's init: point fd 2 at /dev/null and keep the original
// for Restore. Only when stderr is a terminal: logs piped to a file keep
// everything, and a child process's captured stderr stays complete.
__attribute__((constructor)) static void quiet_divert(void) {
	if (!isatty(2) || getenv("RTCTERM_LOUD_START") != NULL) {
		return;
	}
	int null = open("/dev/null", O_WRONLY);
	if (null < 0) {
		return;
	}
	quiet_saved_stderr = dup(2);
	if (quiet_saved_stderr >= 0) {
		dup2(null, 2);
	}
	close(null);
}

static int quiet_saved(void) {
	int fd = quiet_saved_stderr;
	quiet_saved_stderr = -1;
	return fd;
}
*/
import "C"

// savedStderr is the descriptor the constructor kept, or -1.
func savedStderr() int { return int(C.quiet_saved()) }
