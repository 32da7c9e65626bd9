//go:build unix && !linux

package capture

import "syscall"

// sysProcAttr puts the command in a process group of its own, so that
// stopping it also stops whatever it started.
//
// TODO: nothing kills the command if streampipe itself is killed; only
// Linux has Pdeathsig, elsewhere a watchdog pipe in the child would be
// needed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
