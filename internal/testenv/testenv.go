// Package testenv holds helpers shared by streampipe's tests: finding the
// real outside programs they need, and the repository's test data.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where a test that
// cannot find what it needs must fail rather than skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Program returns the path of an outside program the test needs (ffmpeg,
// chromium, redis-server, promtool). When it is missing the test is skipped
// with a message naming it, except under CI, where it fails.
func Program(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed (it is needed by this test; .ci/run installs it)")
	}
	return path
}

// Missing skips the test with reason, or fails it under CI.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s; under CI=true a missing dependency is a failure", reason)
	}
	t.Skip(reason)
}

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testenv: cannot locate the repository")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns a path below the repository root.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{RepoRoot(t)}, elem...)...)
}
