package plugins

import (
	"os"
	"syscall"
)

// outsideSignals are the signals that end a plugin from outside when
// streampipe did not send them: the kernel's out-of-memory killer
// (SIGKILL), an operator, or a service manager stopping a whole cgroup.
// Signals a program raises on itself by crashing (SIGSEGV, SIGABRT, ...)
// are not among them: those are the plugin's bugs.
var outsideSignals = []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}

// outsideSignal reports the signal that ended the plugin's process when
// it is one of outsideSignals and streampipe did not send it.
func (p *process) outsideSignal() (syscall.Signal, bool) {
	if p.runner == nil {
		return 0, false
	}
	return signalFromOutside(p.runner.State())
}

// signalFromOutside reports the signal that ended a process whose state
// is ps, when it is one of outsideSignals and killedByUs is false.
func signalFromOutside(ps *os.ProcessState, killedByUs bool) (syscall.Signal, bool) {
	if ps == nil || killedByUs {
		return 0, false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	for _, sig := range outsideSignals {
		if ws.Signal() == sig {
			return sig, true
		}
	}
	return 0, false
}
