//go:build unix

package plugins

import (
	"os/exec"
	"syscall"
	"testing"
)

// TestSignalFromOutside ends real processes in several ways and checks
// which ends count as a signal from outside.
func TestSignalFromOutside(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, tc := range []struct {
		name       string
		script     string // how the shell ends
		killedByUs bool
		want       syscall.Signal // 0: not from outside
	}{
		{"SIGKILL", "kill -s KILL $$", false, syscall.SIGKILL},
		{"SIGTERM", "kill -s TERM $$", false, syscall.SIGTERM},
		{"SIGINT", "kill -s INT $$", false, syscall.SIGINT},
		{"SIGHUP", "kill -s HUP $$", false, syscall.SIGHUP},
		{"SIGKILL sent by streampipe", "kill -s KILL $$", true, 0},
		{"a crash", "kill -s SEGV $$", false, 0},
		{"an abort", "kill -s ABRT $$", false, 0},
		{"an exit status", "exit 2", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The sleep is never reached: a signal that did not end the
			// shell fails the case within seconds.
			cmd := exec.Command(sh, "-c", tc.script+"; sleep 10")
			_ = cmd.Run()
			sig, ok := signalFromOutside(cmd.ProcessState, tc.killedByUs)
			if ok != (tc.want != 0) || sig != tc.want {
				t.Errorf("signalFromOutside(%v, %v) = %v, %v; want %v", cmd.ProcessState, tc.killedByUs,
					sig, ok, tc.want)
			}
		})
	}
	if _, ok := signalFromOutside(nil, false); ok {
		t.Error("a process not seen to exit counts as signalled")
	}
}
