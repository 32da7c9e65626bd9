package alerting

import (
	"testing"
	"time"
)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

func mustTime(t *testing.T) time.Time {
	t.Helper()
	t0, err := time.Parse(time.RFC3339, "2026-01-02T03:04:05Z")
	if err != nil {
		t.Fatal(err)
	}
	return t0
}
