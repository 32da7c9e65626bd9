package plugins

import (
	"strings"
	"syscall"
)

// outsideSignals are the signals that end a plugin from outside when
// streampipe did not send them: the kernel's out-of-memory killer
// (SIGKILL), an operator, or a service manager stopping a whole cgroup.
// Signals a program raises on itself by crashing (SIGSEGV, SIGABRT, ...)
// are not among them: those are the plugin's bugs.
var outsideSignals = []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}

// outsideSignal reports the signal that ended the plugin's process when
// it is one of outsideSignals and streampipe did not send it. status is
// process.exitStatus's account, which says "killed by streampipe" when
// the host sent the signal and otherwise ends with the system's own
// wording, such as "signal: killed" (os.ProcessState.String).
//
// TODO: read the process state directly rather than its wording; the
// process runner is being reworked (uncommitted), and this must build
// against both its old and its new shape meanwhile.
func outsideSignal(status string) (syscall.Signal, bool) {
	rest, ok := strings.CutPrefix(status, "the process ended: signal: ")
	if !ok {
		return 0, false
	}
	for _, sig := range outsideSignals {
		if rest == sig.String() {
			return sig, true
		}
	}
	return 0, false
}
