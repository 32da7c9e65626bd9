package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// otlpPusher exports every metric to an OTLP endpoint on an interval.
//
// The configuration file is read after the meter provider exists (stages
// record through it while the file is loaded), so the OTLP exporter
// cannot be a reader of its own. It exports what the telemetry's manual
// reader collects instead, which is what a periodic reader would do.
type otlpPusher struct {
	exp      sdkmetric.Exporter
	reader   *sdkmetric.ManualReader
	interval time.Duration
	log      *slog.Logger
	endpoint string

	// failing is set while exports fail, so a collector that is down is
	// logged once when it goes down and once when it is back.
	mu      sync.Mutex
	failing bool
}

func newOTLPPusher(ctx context.Context, c OTLPConfig, reader *sdkmetric.ManualReader, log *slog.Logger) (*otlpPusher, error) {
	isURL := strings.HasPrefix(c.Endpoint, "http://") || strings.HasPrefix(c.Endpoint, "https://")
	var (
		exp sdkmetric.Exporter
		err error
	)
	switch c.Protocol {
	case ProtocolHTTP:
		opts := []otlpmetrichttp.Option{otlpmetrichttp.WithHeaders(c.Headers)}
		if isURL {
			// A URL is taken as it is, so one without a path gets the
			// standard one.
			u, perr := url.Parse(c.Endpoint)
			if perr != nil {
				return nil, fmt.Errorf("telemetry: otlp endpoint %q: %w", c.Endpoint, perr)
			}
			if u.Path == "" || u.Path == "/" {
				u.Path = "/v1/metrics"
			}
			opts = append(opts, otlpmetrichttp.WithEndpointURL(u.String()))
		} else {
			opts = append(opts, otlpmetrichttp.WithEndpoint(c.Endpoint), otlpmetrichttp.WithInsecure())
		}
		exp, err = otlpmetrichttp.New(ctx, opts...)
	default:
		opts := []otlpmetricgrpc.Option{otlpmetricgrpc.WithHeaders(c.Headers)}
		if isURL {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(c.Endpoint))
		} else {
			opts = append(opts, otlpmetricgrpc.WithEndpoint(c.Endpoint), otlpmetricgrpc.WithInsecure())
		}
		exp, err = otlpmetricgrpc.New(ctx, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("telemetry: otlp exporter for %s: %w", c.Endpoint, err)
	}
	return &otlpPusher{exp: exp, reader: reader, interval: c.Interval, log: log, endpoint: c.Endpoint}, nil
}

// loop exports every interval until ctx is cancelled.
func (p *otlpPusher) loop(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			p.push(ctx)
		}
	}
}

// push collects and exports once, bounded by the interval.
func (p *otlpPusher) push(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, p.interval)
	defer cancel()
	var rm metricdata.ResourceMetrics
	err := p.reader.Collect(ctx, &rm)
	if err == nil {
		err = p.exp.Export(ctx, &rm)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil && !p.failing:
		p.failing = true
		p.log.Warn("otlp export failing; retrying every interval", "remote", p.endpoint, "error", err)
	case err == nil && p.failing:
		p.failing = false
		p.log.Info("otlp export recovered", "remote", p.endpoint)
	}
}

// shutdown exports a last time and closes the exporter.
func (p *otlpPusher) shutdown(ctx context.Context) error {
	p.push(ctx)
	if err := p.exp.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: otlp shutdown: %w", err)
	}
	return nil
}
