//go:build unix

package capture

import (
	"os"
	"syscall"
)

// killGroup signals the command's process group: SIGKILL when force is
// set, SIGTERM otherwise. Signalling a group that is already gone is not
// an error worth reporting.
func killGroup(p *os.Process, force bool) {
	sig := syscall.SIGTERM
	if force {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}
