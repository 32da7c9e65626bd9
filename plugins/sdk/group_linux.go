package sdk

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// Package initialisation runs on the process's main thread (the runtime
// locks the main goroutine to it until main starts), which is the thread
// the parent-death signal is read from; so the setting is made here rather
// than in Serve.
func init() { takeGroupAlong() }

// takeGroupAlong makes a plugin started by a streampipe host in a process
// group of its own end that whole group when it is told to terminate:
// when the host dies (the parent-death signal, which the host sets to
// SIGKILL and this turns into a SIGTERM the plugin can act on) or when it
// receives SIGTERM. The group holds the plugin, a wrapper script that ran
// it, and helpers it started that did not leave the group; without this
// they would outlive a host killed with SIGKILL.
//
// Outside a streampipe host, or in a host that shares its group, it does
// nothing.
func takeGroupAlong() {
	if os.Getenv(wire.EnvOwnGroup) != "1" ||
		os.Getenv(wire.Handshake.MagicCookieKey) != wire.Handshake.MagicCookieValue {
		return
	}
	parent := os.Getppid()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		// The host's SIGKILL stays in force: the plugin still dies
		// with it, its helpers may not.
		signal.Stop(sigs)
		return
	}
	go func() {
		<-sigs
		endGroup("SIGTERM, or the streampipe host ended")
	}()
	// The host may have ended before the signal was armed.
	if os.Getppid() != parent {
		endGroup("the streampipe host ended")
	}
}

// endGroup kills the plugin's process group, this process included.
func endGroup(why string) {
	fmt.Fprintf(os.Stderr, "streampipe sdk: %s: ending the plugin and its process group\n", why)
	_ = syscall.Kill(0, syscall.SIGKILL)
	os.Exit(1)
}
