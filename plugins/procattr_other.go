//go:build !linux

package plugins

import "os/exec"

// setProcAttr does nothing outside Linux, which has no parent-death signal:
// there a host killed with SIGKILL can leave its plugins running.
// TODO: use a kqueue NOTE_EXIT watcher in the SDK on BSD and macOS.
func setProcAttr(*exec.Cmd) {}
