package sdk

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// parentWatch is how long a plugin that received SIGTERM watches for its
// parent to change before it takes the signal as one from outside.
const parentWatch = time.Second

// Package initialisation runs on the process's main thread (the runtime
// locks the main goroutine to it until main starts), which is the thread
// the parent-death signal is read from; so the setting is made here rather
// than in Serve.
func init() { takeGroupAlong() }

// takeGroupAlong makes a plugin started by a streampipe host in a process
// group of its own end that whole group when the host dies: the host sets
// the parent-death signal to SIGKILL, which would end the plugin alone,
// and this turns it into a SIGTERM the plugin acts on. The group holds
// the plugin, a wrapper script that ran it, and helpers it started that
// did not leave the group; without this they would outlive a host killed
// with SIGKILL. A SIGTERM from anywhere else, while the host lives, ends
// the plugin as SIGTERM always does, and the host then ends its group.
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
		// The signal comes when the thread that started the plugin ends,
		// which may be before the rest of the dying host: the plugin is
		// handed to another of its threads first, and only then to
		// another process. So watch the parent change for a while.
		for range parentWatch / (10 * time.Millisecond) {
			if os.Getppid() != parent {
				endGroup("the streampipe host ended")
			}
			time.Sleep(10 * time.Millisecond)
		}
		signal.Reset(syscall.SIGTERM)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
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
