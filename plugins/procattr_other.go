//go:build !linux

package plugins

import (
	"os"
	"os/exec"
)

// setProcAttr does nothing outside Linux, which has no parent-death signal:
// there a host killed with SIGKILL can leave its plugins running.
// TODO: use a kqueue NOTE_EXIT watcher in the SDK on BSD and macOS.
func setProcAttr(*exec.Cmd) {}

// ownGroup reports whether setProcAttr gives plugins a process group of
// their own; not outside Linux.
const ownGroup = false

// killGroup kills the plugin process only: outside Linux plugins share the
// host's process group, so descendants of a plugin can outlive it there.
// TODO: process groups on BSD and macOS (Setpgid exists there too).
func killGroup(p *os.Process, _ int) {
	if p != nil {
		_ = p.Kill()
	}
}
