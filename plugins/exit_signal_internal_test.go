//go:build unix

package plugins

import (
	"os/exec"
	"syscall"
	"testing"
)

func TestOutsideSignal(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   bool
	}{
		{"the process ended: signal: killed", true},
		{"the process ended: signal: terminated", true},
		{"the process ended: signal: interrupt", true},
		{"the process ended: signal: hangup", true},
		{"the process was killed by streampipe", false},
		{"the process ended: exit status 2", false},
		{"the process ended: signal: segmentation fault (core dumped)", false},
		{"the process ended: signal: aborted", false},
		{"the process has not been seen to exit", false},
	} {
		t.Run(tc.status, func(t *testing.T) {
			if _, got := outsideSignal(tc.status); got != tc.want {
				t.Errorf("outsideSignal = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestOutsideSignalMatchesTheSystemsWording: the wording outsideSignal
// reads is what os.ProcessState says of a process a signal ended.
func TestOutsideSignalMatchesTheSystemsWording(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep program")
	}
	cmd := exec.Command(sleep, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	sig, ok := outsideSignal("the process ended: " + cmd.ProcessState.String())
	if !ok || sig != syscall.SIGTERM {
		t.Errorf("outsideSignal(%q) = %v, %v; want SIGTERM", cmd.ProcessState.String(), sig, ok)
	}
}
