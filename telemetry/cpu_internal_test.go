package telemetry

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

func TestCPUShare(t *testing.T) {
	t0 := time.Now()
	type reading struct {
		after       time.Duration
		busy, total float64
	}
	for _, tc := range []struct {
		name     string
		readings []reading
		measured bool
		share    float64
	}{
		{"priming only", []reading{{0, 5, 10}}, false, 0},
		// gopsutil's first Percent(0) compared with its init: a few ms
		// and one 10 ms tick read as fully busy. Too short a window is
		// no measurement.
		{"too short a window", []reading{{0, 5, 10}, {5 * time.Millisecond, 5.01, 10.01}}, false, 0},
		{"a real interval", []reading{{0, 5, 10}, {time.Second, 5.5, 12}}, true, 0.25},
		// A short window in between is skipped, not used as the base.
		{"short then real",
			[]reading{{0, 5, 10}, {10 * time.Millisecond, 6, 10.01}, {time.Second, 5.5, 12}}, true, 0.25},
		{"counters that did not move", []reading{{0, 5, 10}, {time.Second, 5, 10}}, false, 0},
		{"more busy than total", []reading{{0, 5, 10}, {time.Second, 9, 11}}, true, 1},
		{"busy going backwards", []reading{{0, 5, 10}, {time.Second, 4, 11}}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c cpuShare
			for _, r := range tc.readings {
				c.update(t0.Add(r.after), r.busy, r.total)
			}
			if c.measured != tc.measured || c.share != tc.share {
				t.Errorf("measured %v share %v, want %v %v", c.measured, c.share, tc.measured, tc.share)
			}
		})
	}
}

func TestRatesBusyNeverExceedsOne(t *testing.T) {
	for _, tc := range []struct {
		name    string
		process time.Duration
		want    float64
	}{
		{"idle", 0, 0},
		{"half", 500 * time.Millisecond, 0.5},
		// A Process call that began in the previous window is counted
		// whole in this one.
		{"a call straddling the window", 1011 * time.Millisecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := pipeline.Snapshot{ProcessTime: time.Second}
			snap := pipeline.Snapshot{ProcessTime: time.Second + tc.process}
			if got := ratesBetween(old, snap, 1).Busy; got != tc.want {
				t.Errorf("busy %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDiskSamplingSkipsMissingDirectories: a path whose directory does
// not exist (a file sink that cannot open its file) is left out without a
// warning, while the disk of an existing path is measured.
func TestDiskSamplingSkipsMissingDirectories(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	existing := filepath.Join(t.TempDir(), "out.mjpeg")
	r := &resourceSampler{}
	r.setPaths([]string{filepath.Join(t.TempDir(), "missing", "out.mjpeg"), existing})
	r.sample(log)
	if strings.Contains(logs.String(), "resource sampling failed") {
		t.Errorf("warned about a directory that does not exist:\n%s", logs.String())
	}
	disks := r.current().Disks
	if len(disks) != 1 || disks[0].Path != existing || disks[0].Used == 0 {
		t.Errorf("disks %+v, want only %s, measured", disks, existing)
	}
}
