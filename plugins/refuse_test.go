package plugins_test

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/plugins"
)

func TestPluginsRefusedWithClearErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		decl  func(t *testing.T) plugins.Decl
		kind  error
		wants []string
	}{
		{"protocol version mismatch", func(t *testing.T) plugins.Decl {
			return plugins.Decl{Name: "future", Command: []string{build(t, "plugins/testdata/futureproto")}}
		}, plugins.ErrProtocol, []string{"speaks streampipe plugin protocol version 2", "this streampipe speaks version 1", "Rebuild the plugin"}},

		{"wrong sha256", func(t *testing.T) plugins.Decl {
			return plugins.Decl{Name: "behave", Command: []string{behave(t)}, SHA256: strings.Repeat("ab", 32)}
		}, plugins.ErrChecksum, []string{"but the plugin block declares " + strings.Repeat("ab", 32), "set sha256 ="}},

		{"stray stdout line", func(t *testing.T) plugins.Decl {
			return plugins.Decl{Name: "stray", Command: []string{build(t, "plugins/testdata/straystdout")}}
		}, plugins.ErrStdout, []string{`printed "loading the colour tables" on stdout before the handshake`, "must not write to stdout"}},

		{"missing program", func(t *testing.T) plugins.Decl {
			return plugins.Decl{Name: "gone", Command: []string{"./bin/gone"}, Dir: t.TempDir()}
		}, plugins.ErrStart, []string{"bin/gone", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plugins.Kind(context.Background(), tc.decl(t), plugins.Options{})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestRightSHA256IsAccepted(t *testing.T) {
	out, err := exec.Command("sha256sum", behave(t)).Output()
	if err != nil {
		t.Skipf("sha256sum: %v", err)
	}
	sum := strings.Fields(string(out))[0]
	if _, err := plugins.Kind(context.Background(),
		plugins.Decl{Name: "behave", Command: []string{behave(t)}, SHA256: sum}, plugins.Options{}); err != nil {
		t.Fatal(err)
	}
}

// startHost runs the test host with args (the plugin's command, after
// -set flags) and returns it and the plugin's pid.
func startHost(t *testing.T, args ...string) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(build(t, "plugins/testdata/host"), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the host's output: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil || pid <= 0 {
		t.Fatalf("host printed %q", line)
	}
	return cmd, pid
}

func running(exe string, pid int) bool {
	for _, p := range testenv.Processes(exe) {
		if p == pid {
			return true
		}
	}
	return false
}

func TestHostExitLeavesNoPlugin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signal syscall.Signal
	}{
		{"SIGKILL", syscall.SIGKILL},
		{"SIGTERM", syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, pid := startHost(t, behave(t))
			if !running(behave(t), pid) {
				t.Fatalf("plugin pid %d is not running", pid)
			}
			if err := host.Process.Signal(tc.signal); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the plugin to go", 10*time.Second, func() bool { return !running(behave(t), pid) })
			err := host.Wait()
			if tc.signal == syscall.SIGTERM && err != nil {
				t.Errorf("host exited with %v after SIGTERM, want status 0", err)
			}
		})
	}
}
