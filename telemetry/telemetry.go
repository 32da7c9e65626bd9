package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	hostmetrics "go.opentelemetry.io/contrib/instrumentation/host"
	runtimemetrics "go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/attribute"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/streampipe/streampipe/pipeline"
)

// ScopeName is the instrumentation scope of every streampipe instrument.
const ScopeName = "github.com/streampipe/streampipe"

// Options configure New.
type Options struct {
	// Logger receives the telemetry's own logs and the periodic
	// summaries. Nil discards them.
	Logger *slog.Logger
	// NoProcess leaves out the process, host and Go runtime metrics, for
	// benchmarks that measure the pipeline alone.
	NoProcess bool
	// Version is reported as service.version.
	Version string
}

// Telemetry owns the meter provider of a streampipe process: every
// instrument of the table, the Prometheus exporter behind /metrics, an
// optional OTLP exporter, and the pipelines whose stages it reports. It is
// safe for concurrent use.
//
// Its life: New, then hcl.Load with Meter() and StatusHandler() in the
// loader's options so stages can record their own facts, then Attach for
// every loaded pipeline, then Start with the file's telemetry block, then
// Shutdown once the pipelines have stopped.
type Telemetry struct {
	log      *slog.Logger
	provider *sdkmetric.MeterProvider
	reader   *sdkmetric.ManualReader
	registry *prometheus.Registry
	meter    metric.Meter
	started  time.Time

	mu         sync.Mutex
	pipelines  []*attached
	extraDisks []string
	cfg        Config
	alerts     AlertProvider
	server     *server
	stop       context.CancelFunc
	loops      sync.WaitGroup
	otlp       *otlpPusher
	shutDown   bool

	hists     histRegistry
	resources resourceSampler
	rates     rateTracker
	queues    queueWatch
}

// New builds the meter provider and its Prometheus exporter. Nothing
// listens until Start.
func New(opts Options) (*Telemetry, error) {
	t := &Telemetry{log: opts.Logger, started: time.Now()}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	t.rates.init()

	// The Prometheus exporter gets a registry of its own, so two
	// Telemetry values (tests) never collide in the global one.
	t.registry = prometheus.NewRegistry()
	t.hists.start = t.started
	producer := producer{t: t}
	exporter, err := promexporter.New(
		promexporter.WithRegisterer(t.registry),
		promexporter.WithTranslationStrategy(translation),
		promexporter.WithoutScopeInfo(),
		promexporter.WithProducer(producer),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	t.reader = sdkmetric.NewManualReader(sdkmetric.WithProducer(producer))

	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", "streampipe"),
		attribute.String("service.version", opts.Version),
	))
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: "go.goroutine.count"},
			sdkmetric.Stream{Name: GoGoroutineCount})),
		// The runtime instrumentation's deprecated metrics (runtime.* and
		// process.runtime.*), which it adds when an environment variable
		// asks, are not in the table: drop them, so that the exported set
		// is the documented one.
		sdkmetric.WithView(dropView("runtime.*"), dropView("process.runtime.*")),
		sdkmetric.WithReader(exporter),
		sdkmetric.WithReader(t.reader),
	}
	t.provider = sdkmetric.NewMeterProvider(mpOpts...)
	t.meter = &meter{Meter: t.provider.Meter(ScopeName), t: t}

	// The standard set: the runtime's accounting of every stage, read
	// when metrics are collected.
	if err := t.registerStageCallbacks(); err != nil {
		return nil, err
	}
	if !opts.NoProcess {
		if err := t.registerProcess(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// MeterProvider returns the provider, for libraries that take one.
func (t *Telemetry) MeterProvider() metric.MeterProvider { return t.provider }

// Meter returns the meter stages record with; put it in pipeline.Env.
func (t *Telemetry) Meter() metric.Meter { return t.meter }

// Collect reads the current value of every metric, as Prometheus would
// scrape it, into rm: the SDK's instruments, the histograms streampipe
// aggregates itself and the plugin round trips, all cumulative. The alert
// engine reads values this way; it is safe for concurrent use.
func (t *Telemetry) Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return t.reader.Collect(ctx, rm)
}

// Gatherer returns the Prometheus registry behind /metrics.
func (t *Telemetry) Gatherer() prometheus.Gatherer { return t.registry }

// MetricsHandler serves the Prometheus exposition.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(t.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// SetAlerts installs the source of the alert states /status reports.
func (t *Telemetry) SetAlerts(a AlertProvider) {
	t.mu.Lock()
	t.alerts = a
	t.mu.Unlock()
}

// Attach makes t report p's stages: it installs the runtime observer on
// every stage's Stats. Call it before p runs.
func (t *Telemetry) Attach(p *pipeline.Pipeline) {
	a := newAttached(t, p)
	for _, s := range a.stages {
		s.node.Stats.SetObserver(s.observer())
	}
	t.mu.Lock()
	t.pipelines = append(t.pipelines, a)
	t.mu.Unlock()
	t.refreshDiskPaths()
}

// attachedPipelines returns a copy of the attached pipelines.
func (t *Telemetry) attachedPipelines() []*attached {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*attached(nil), t.pipelines...)
}

// Start applies cfg: it starts the telemetry server (unless cfg.Listen is
// "off"), the OTLP exporter when configured, resource sampling and the
// periodic log summaries. A port already in use is an error that says so.
// ctx bounds the start only.
func (t *Telemetry) Start(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Check(); err != nil {
		return err
	}
	t.mu.Lock()
	if t.stop != nil {
		t.mu.Unlock()
		return errors.New("telemetry: already started")
	}
	t.cfg = cfg
	t.mu.Unlock()
	if len(cfg.Disks) > 0 {
		t.SetDiskPaths(cfg.Disks)
	}

	if cfg.OTLP != nil {
		p, err := newOTLPPusher(ctx, *cfg.OTLP, t.reader, t.log)
		if err != nil {
			return err
		}
		t.otlp = p
	}
	if cfg.Listen != ListenOff {
		srv, err := startServer(ctx, t, cfg)
		if err != nil {
			if t.otlp != nil {
				_ = t.otlp.shutdown(context.WithoutCancel(ctx))
			}
			return err
		}
		t.server = srv
		t.log.Info("telemetry listening on " + srv.url())
	}

	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	t.mu.Lock()
	t.stop = stop
	t.mu.Unlock()
	t.sample(time.Now())
	t.loops.Add(2)
	go t.sampleLoop(loopCtx, cfg.Interval)
	go t.logLoop(loopCtx, cfg)
	if t.otlp != nil {
		t.loops.Add(1)
		go t.otlp.loop(loopCtx, &t.loops)
	}
	return nil
}

// Addr returns the telemetry server's address, or "" when it is off or
// not started.
func (t *Telemetry) Addr() string {
	if t.server == nil {
		return ""
	}
	return t.server.ln.Addr().String()
}

// Shutdown stops the server and the loops, pushes a last OTLP export and
// releases the meter provider, whether or not Start was called. Calls
// after the first do nothing and return nil.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	stop, done := t.stop, t.shutDown
	t.shutDown = true
	t.mu.Unlock()
	if done {
		return nil
	}
	var errs []error
	if t.server != nil {
		if err := t.server.shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if stop != nil {
		stop()
	}
	t.loops.Wait()
	if t.otlp != nil {
		if err := t.otlp.shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := t.provider.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("telemetry: shutdown: %w", err))
	}
	return errors.Join(errs...)
}

// sampleLoop samples resources and stage rates every interval.
func (t *Telemetry) sampleLoop(ctx context.Context, every time.Duration) {
	defer t.loops.Done()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.sample(now)
		}
	}
}

// sample takes one resource sample and one rate sample.
func (t *Telemetry) sample(now time.Time) {
	t.resources.sample(t.log)
	t.rates.sample(now, t.attachedPipelines())
	t.mu.Lock()
	cfg := t.cfg
	t.mu.Unlock()
	t.queues.check(t, now, cfg.QueueWarn, cfg.LogInterval)
}

// dropView drops the runtime instrumentation's instruments whose names
// match pattern (with * wildcards).
func dropView(pattern string) sdkmetric.View {
	return sdkmetric.NewView(
		sdkmetric.Instrument{Name: pattern, Scope: instrumentation.Scope{Name: runtimemetrics.ScopeName}},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
}

// startRuntimeInstrumentation starts the OpenTelemetry Go runtime and host
// instrumentation on t's provider.
func (t *Telemetry) startRuntimeInstrumentation() error {
	if err := runtimemetrics.Start(runtimemetrics.WithMeterProvider(t.provider)); err != nil {
		return fmt.Errorf("telemetry: go runtime metrics: %w", err)
	}
	if err := hostmetrics.Start(hostmetrics.WithMeterProvider(t.provider)); err != nil {
		return fmt.Errorf("telemetry: host metrics: %w", err)
	}
	return nil
}
