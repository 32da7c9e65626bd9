package capture

import "syscall"

// sysProcAttr puts the command in a process group of its own, so that
// stopping it also stops whatever it started, and has the kernel kill it
// should streampipe die without stopping it.
//
// Pdeathsig fires when the thread that started the command exits, not the
// process. The Go runtime keeps its threads for the life of the process
// unless a goroutine exits while locked to one, which streampipe does not
// do, so in practice it fires when streampipe dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
