package telemetry

import (
	"errors"
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/process"
)

// cpuShare turns a pair of cumulative CPU counters (time busy, time
// available) into the share used between two readings.
//
// The first reading only primes it: gopsutil's Percent(0) would compare
// it with whatever came before (its own package init a few milliseconds
// earlier), and since the kernel counts CPU time in ticks of 10 ms, a
// window that short reads as 0 or 1. For the same reason a reading less
// than minRateWindow after the one it would be compared with is ignored:
// the share is always measured over a real interval, and until one has
// passed there is no share at all.
type cpuShare struct {
	at          time.Time
	busy, total float64
	primed      bool

	// share is the last measured share, 0 to 1; valid once measured.
	share    float64
	measured bool
}

// update folds in a reading taken at now: busy and total are cumulative
// and in the same unit.
func (c *cpuShare) update(now time.Time, busy, total float64) {
	if c.primed {
		if now.Sub(c.at) < minRateWindow || total <= c.total {
			return // too short a window: keep comparing with the older reading
		}
		c.share = clamp01((busy - c.busy) / (total - c.total))
		c.measured = true
	}
	c.at, c.busy, c.total, c.primed = now, busy, total, true
}

// processCPU reads the CPU seconds the process has used (user and
// system) and the CPU seconds all cores offered since epoch, the pair
// cpuShare needs.
func processCPU(p *process.Process, epoch, now time.Time) (busy, total float64, err error) {
	t, err := p.Times()
	if err != nil {
		return 0, 0, err
	}
	return t.User + t.System, now.Sub(epoch).Seconds() * float64(runtime.NumCPU()), nil
}

// systemCPU reads the machine's busy and total CPU seconds, summed over
// its logical CPUs. Idle and I/O wait are not busy; on Linux guest time
// is already counted in user time, so it is left out of the total.
func systemCPU() (busy, total float64, err error) {
	ts, err := cpu.Times(false)
	if err != nil {
		return 0, 0, err
	}
	if len(ts) != 1 {
		return 0, 0, errors.New("no summary of the CPU times")
	}
	t := ts[0]
	total = t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
	if runtime.GOOS != "linux" {
		total += t.Guest + t.GuestNice
	}
	return total - t.Idle - t.Iowait, total, nil
}
