package plugins

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel SIGKILL the plugin when its parent dies, so
// a host killed with SIGKILL (which runs no cleanup) leaves no plugin
// behind, and puts the plugin in a process group of its own, so a signal
// sent to the host's group (Ctrl-C in a terminal, `timeout`, a service
// manager stopping the group) reaches only the host, which then drains and
// stops its plugins in order instead of seeing them die mid-batch. The
// group is also what the host kills when a plugin ends or must be killed
// (see killGroup), and it tells the SDK so (wire.EnvOwnGroup), so that a
// plugin built with the SDK takes its group with it when the host dies.
//
// The caveat: Linux sends the parent-death signal when the *thread* that
// forked the child exits, not the process. The Go runtime may end an OS
// thread while the process lives on (a goroutine that exits while locked
// to its thread takes the thread with it), which would kill a healthy
// plugin. startProcess therefore forks from a goroutine locked to its
// thread for the plugin's whole life; that thread ends only after the
// plugin has been stopped.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// ownGroup reports whether setProcAttr gives plugins a process group of
// their own.
const ownGroup = true

// killGroup sends SIGKILL to the process group of the plugin whose process
// id is pid: the plugin, a wrapper script's children, helpers it started.
// Descendants that made a group or session of their own are not reached.
func killGroup(_ *os.Process, pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
