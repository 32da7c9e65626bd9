package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Processes returns the ids of the live processes (zombies excluded) whose
// executable is exe, read from /proc, so on Linux only; elsewhere it
// returns none.
func Processes(exe string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && target == exe && !zombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// zombie reports whether pid has exited and waits to be reaped (or is gone).
func zombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z'
}

// WaitProcesses polls until the number of processes running exe satisfies
// ok, and fails the test after timeout.
func WaitProcesses(t testing.TB, exe string, timeout time.Duration, ok func(n int) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pids := Processes(exe)
		if ok(len(pids)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s runs as %v after %s", filepath.Base(exe), pids, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitNoProcess waits up to ten seconds for every process running exe to
// end, and fails the test when one is left.
func WaitNoProcess(t testing.TB, exe string) {
	t.Helper()
	WaitProcesses(t, exe, 10*time.Second, func(n int) bool { return n == 0 })
}
