package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the streampipe executable built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "streampipe-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "streampipe")
	build := exec.Command("go", "build", "-o", binary, "../cmd/streampipe")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build streampipe:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `streampipe` process with its JSON log.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string

	mu   sync.Mutex
	logs []map[string]any
	raw  []string

	exited  chan struct{}
	exitErr error
}

// startServer runs `streampipe -log-format json ARGS...` and returns once
// it is running; addr, when set, is waited for until it accepts
// connections. The process is killed when the test ends.
func startServer(t *testing.T, addr string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"-log-format", "json", "-log-level", "debug"}, args...)...)
	// A process group of its own, so a test can signal the group as a
	// terminal or a service manager would, without signalling itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, addr: addr, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start streampipe: %v", err)
	}
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var rec map[string]any
			_ = json.Unmarshal([]byte(line), &rec)
			s.mu.Lock()
			s.raw = append(s.raw, line)
			if rec != nil {
				s.logs = append(s.logs, rec)
			}
			s.mu.Unlock()
		}
	}()
	go func() {
		<-logsDone
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("streampipe log:\n%s", strings.Join(s.lines(), "\n"))
		}
	})
	if addr != "" {
		s.waitPort(30 * time.Second)
	}
	return s
}

func (s *server) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.raw...)
}

// waitPort waits until the server accepts connections on its address.
func (s *server) waitPort(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-s.exited:
			s.t.Fatalf("streampipe exited before listening on %s: %v", s.addr, s.exitErr)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("streampipe is not listening on %s after %s: %v", s.addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findLog returns the first log record with message msg whose attributes
// include every key/value pair in attrs (nested groups with dots).
func (s *server) findLog(msg string, attrs map[string]any) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.logs {
		if rec["msg"] != msg {
			continue
		}
		if matches(rec, attrs) {
			return rec, true
		}
	}
	return nil, false
}

// waitLog polls findLog until it succeeds or timeout passes.
func (s *server) waitLog(msg string, attrs map[string]any, timeout time.Duration) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if rec, ok := s.findLog(msg, attrs); ok {
			return rec
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no log record %q with %v after %s", msg, attrs, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func matches(rec map[string]any, attrs map[string]any) bool {
	for k, want := range attrs {
		var v any = rec
		for _, part := range strings.Split(k, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			v = m[part]
		}
		if fmt.Sprint(v) != fmt.Sprint(want) {
			return false
		}
	}
	return true
}

// signal sends sig and waits up to timeout for the process to exit,
// returning its exit code and how long it took.
func (s *server) signal(sig syscall.Signal, timeout time.Duration) (int, time.Duration) {
	s.t.Helper()
	return s.signalTo(s.cmd.Process.Pid, sig, timeout)
}

// signalGroup is signal sent to the server's whole process group, as
// Ctrl-C in a terminal or a service manager would send it.
func (s *server) signalGroup(sig syscall.Signal, timeout time.Duration) (int, time.Duration) {
	s.t.Helper()
	return s.signalTo(-s.cmd.Process.Pid, sig, timeout)
}

func (s *server) signalTo(pid int, sig syscall.Signal, timeout time.Duration) (int, time.Duration) {
	s.t.Helper()
	start := time.Now()
	if err := syscall.Kill(pid, sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-s.exited:
	case <-time.After(timeout):
		s.t.Fatalf("streampipe still running %s after %v", timeout, sig)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(s.exitErr, &ee) {
		code = ee.ExitCode()
	} else if s.exitErr != nil {
		s.t.Fatalf("wait: %v", s.exitErr)
	}
	return code, time.Since(start)
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runCLI runs the binary to completion and returns stdout, stderr and the
// exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// repoPath returns a path below the repository root.
func repoPath(elem ...string) string {
	return filepath.Join(append([]string{".."}, elem...)...)
}

func absRepoPath(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(repoPath(elem...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
