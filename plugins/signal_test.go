//go:build unix

package plugins_test

import (
	"strings"
	"syscall"
	"testing"

	"github.com/streampipe/streampipe/plugins"
)

// TestPluginKilledFromOutside: a plugin ended by a signal streampipe did
// not send (the out-of-memory killer, an operator, a service manager) is
// reported as such, not as a bug for its author; and it is restarted.
func TestPluginKilledFromOutside(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}}, nil)
			snk := &sink{}
			killed := false
			since := int64(-1)
			restarted := deliveredAfter(ts, snk, &since, 20)
			err := runUntil(t, ts, snk, "frames after the restart", func() bool {
				if !killed && snk.count.Load() >= 20 {
					pid := ts.stage.PluginStats().PID
					if err := syscall.Kill(pid, sig); err != nil {
						t.Errorf("kill %d: %v", pid, err)
					}
					killed = true
				}
				return killed && restarted()
			})
			if err != nil {
				t.Fatal(err)
			}
			logs := ts.logs.String()
			if !strings.Contains(logs, "plugin killed by a signal streampipe did not send") {
				t.Errorf("logs do not say the signal came from outside:\n%s", logs)
			}
			if strings.Contains(logs, "bug in the plugin, report it") {
				t.Errorf("logs blame the plugin for a signal from outside:\n%s", logs)
			}
		})
	}
}
