package telemetry

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// DiskWriter is implemented by stages that write files (the file sink).
// The file systems holding those paths are reported by
// streampipe.disk.usage and streampipe.disk.utilization.
type DiskWriter interface {
	WritePaths() []string
}

// Resources is one sample of the process and the machine.
type Resources struct {
	// RSS is the process's resident memory, in bytes.
	RSS uint64 `json:"rss_bytes"`
	// Heap is the Go heap in use, in bytes.
	Heap uint64 `json:"heap_bytes"`
	// Goroutines is the number of live goroutines.
	Goroutines int `json:"goroutines"`
	// ProcessCPU and SystemCPU are shares of all cores, 0 to 1, since
	// the previous sample.
	ProcessCPU float64 `json:"process_cpu"`
	SystemCPU  float64 `json:"system_cpu"`
	// Memory is the share of the machine's memory in use, 0 to 1.
	Memory float64 `json:"memory"`
	// NetIn and NetOut are bytes received and sent by the machine's
	// interfaces since boot.
	NetIn  uint64 `json:"net_in_bytes"`
	NetOut uint64 `json:"net_out_bytes"`
	// Disks holds the use of each written path's file system.
	Disks []DiskUse `json:"disks,omitempty"`

	// procMeasured and sysMeasured say ProcessCPU and SystemCPU were
	// measured over a real interval; the first samples only prime the
	// CPU counters.
	procMeasured, sysMeasured bool
	// startup marks the samples taken before any real interval could be
	// measured, in the first minRateWindow.
	startup bool
}

// DiskUse is the use of the file system holding Path.
type DiskUse struct {
	Path        string  `json:"path"`
	Used        uint64  `json:"used_bytes"`
	Utilization float64 `json:"utilization"`
}

// resourceSampler samples resources with gopsutil every interval; the
// observable gauges report the last sample, so a scrape costs no system
// calls.
type resourceSampler struct {
	mu    sync.Mutex
	proc  *process.Process
	paths []string
	last  Resources
	// epoch is the time the process CPU counter is measured from;
	// procCPU and sysCPU turn the counters into shares.
	epoch           time.Time
	procCPU, sysCPU cpuShare
	// failed remembers which probes failed, so each failure is logged
	// once rather than every interval.
	failed map[string]bool

	sampled atomic.Bool
}

// setPaths replaces the written paths.
func (r *resourceSampler) setPaths(paths []string) {
	r.mu.Lock()
	r.paths = paths
	r.mu.Unlock()
}

// sample takes one sample.
func (r *resourceSampler) sample(log *slog.Logger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed == nil {
		r.failed = map[string]bool{}
	}
	fail := func(what string, err error) {
		if !r.failed[what] {
			r.failed[what] = true
			log.Warn("resource sampling failed; the metric stays at its last value",
				"reason", what, "error", err)
		}
	}
	var s Resources

	if r.proc == nil {
		p, err := process.NewProcess(int32(os.Getpid()))
		if err != nil {
			fail("process", err)
		}
		r.proc = p
	}
	if r.proc != nil {
		if mi, err := r.proc.MemoryInfo(); err == nil {
			s.RSS = mi.RSS
		} else {
			fail("process memory", err)
		}
	}

	// CPU shares: the first call primes the counters, and later ones
	// measure over at least minRateWindow (see cpuShare). The time is
	// read here, not taken from the ticker, whose tick may be late.
	now := time.Now()
	if r.epoch.IsZero() {
		r.epoch = now
	}
	if r.proc != nil {
		if busy, total, err := processCPU(r.proc, r.epoch, now); err == nil {
			r.procCPU.update(now, busy, total)
		} else {
			fail("process cpu", err)
		}
	}
	if busy, total, err := systemCPU(); err == nil {
		r.sysCPU.update(now, busy, total)
	} else {
		fail("system cpu", err)
	}
	s.ProcessCPU, s.SystemCPU = r.procCPU.share, r.sysCPU.share
	s.procMeasured, s.sysMeasured = r.procCPU.measured, r.sysCPU.measured
	s.startup = now.Sub(r.epoch) < minRateWindow

	if vm, err := mem.VirtualMemory(); err == nil {
		s.Memory = clamp01(vm.UsedPercent / 100)
	} else {
		fail("system memory", err)
	}
	if nio, err := netTotals(); err == nil {
		s.NetIn, s.NetOut = nio[0], nio[1]
	} else {
		fail("network", err)
	}
	for _, p := range r.paths {
		u, err := disk.Usage(p)
		if err != nil {
			u, err = disk.Usage(filepath.Dir(p))
		}
		if err != nil {
			// A directory that does not exist holds nothing to measure;
			// the stage that writes there reports why it cannot.
			if _, serr := os.Stat(filepath.Dir(p)); !errors.Is(serr, fs.ErrNotExist) {
				fail("disk "+p, err)
			}
			continue
		}
		s.Disks = append(s.Disks, DiskUse{Path: p, Used: u.Used, Utilization: clamp01(u.UsedPercent / 100)})
	}
	s.Heap = heapInUse()
	s.Goroutines = runtime.NumGoroutine()

	r.last = s
	r.sampled.Store(true)
}

// current returns the last sample.
func (r *resourceSampler) current() Resources {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return min(v, 1)
}

// registerProcess registers the process gauges, the written paths' disk
// gauges, and the OpenTelemetry Go runtime and host instrumentation.
func (t *Telemetry) registerProcess() error {
	m := t.meter
	rss, err1 := int64ObservableGauge(m, ProcessMemoryUsage)
	pcpu, err2 := float64ObservableGauge(m, ProcessCPUUtilization)
	scpu, err3 := float64ObservableGauge(m, SystemCPUUtilization)
	dused, err4 := int64ObservableGauge(m, StreampipeDiskUsage)
	dutil, err5 := float64ObservableGauge(m, StreampipeDiskUtilization)
	if err := firstError(err1, err2, err3, err4, err5); err != nil {
		return err
	}
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if !t.resources.sampled.Load() {
			return nil // nothing sampled yet: report nothing rather than zeros
		}
		s := t.resources.current()
		o.ObserveInt64(rss, int64(s.RSS))
		// Until a real interval has been measured there is no CPU share:
		// report none rather than the priming sample's 0 or 1.
		if s.procMeasured {
			o.ObserveFloat64(pcpu, s.ProcessCPU)
		}
		if s.sysMeasured {
			o.ObserveFloat64(scpu, s.SystemCPU)
		}
		for _, d := range s.Disks {
			opt := metric.WithAttributes(attribute.String(LabelPath, d.Path))
			o.ObserveInt64(dused, int64(min(d.Used, math.MaxInt64)), opt)
			o.ObserveFloat64(dutil, d.Utilization, opt)
		}
		return nil
	}, rss, pcpu, scpu, dused, dutil)
	if err != nil {
		return err
	}
	return t.startRuntimeInstrumentation()
}

// SetDiskPaths adds paths (besides those of attached stages implementing
// DiskWriter) whose file systems are reported.
func (t *Telemetry) SetDiskPaths(paths []string) {
	t.mu.Lock()
	t.extraDisks = append([]string(nil), paths...)
	t.mu.Unlock()
	t.refreshDiskPaths()
}

// refreshDiskPaths collects the written paths of every attached stage.
func (t *Telemetry) refreshDiskPaths() {
	seen := map[string]bool{}
	var paths []string
	add := func(p string) {
		if p == "" {
			return
		}
		// Two spellings of one path would be two series of one file
		// system.
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	t.mu.Lock()
	for _, p := range t.extraDisks {
		add(p)
	}
	t.mu.Unlock()
	for _, a := range t.attachedPipelines() {
		for _, s := range a.stages {
			if w, ok := s.node.Stage.(DiskWriter); ok {
				for _, p := range w.WritePaths() {
					add(p)
				}
			}
		}
	}
	sort.Strings(paths)
	t.resources.setPaths(paths)
}

// netTotals returns the bytes received and sent by all interfaces.
func netTotals() ([2]uint64, error) {
	c, err := net.IOCounters(false)
	if err != nil {
		return [2]uint64{}, err
	}
	if len(c) == 0 {
		return [2]uint64{}, errors.New("no network counters")
	}
	return [2]uint64{c[0].BytesRecv, c[0].BytesSent}, nil
}

// heapInUse reads the bytes of live heap objects without stopping the
// world (runtime.ReadMemStats would).
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
