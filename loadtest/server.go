package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// measureServer waits until end, sampling the process's resident memory,
// and returns its average CPU use between start and end.
func measureServer(ctx context.Context, pid int32, start, end time.Time) (*ServerUsage, error) {
	p, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return nil, fmt.Errorf("loadtest: server process %d: %w", pid, err)
	}
	select {
	case <-time.After(time.Until(start)):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t0, err := p.TimesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("loadtest: server cpu: %w", err)
	}
	began := time.Now()

	var peak uint64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(end) {
		if m, err := p.MemoryInfoWithContext(ctx); err == nil && m.RSS > peak {
			peak = m.RSS
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	t1, err := p.TimesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("loadtest: server cpu: %w", err)
	}
	elapsed := time.Since(began).Seconds()
	cpu := (t1.User + t1.System) - (t0.User + t0.System)
	return &ServerUsage{CPU: cpu / elapsed, PeakRSS: peak}, nil
}
