package telemetry

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultListen       = "127.0.0.1:9464"
	DefaultPath         = "/metrics"
	DefaultInterval     = time.Second
	DefaultLogInterval  = time.Minute
	DefaultOTLPInterval = 15 * time.Second
)

// OTLP protocols.
const (
	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http"
)

// Config is the telemetry block of a configuration file. The zero value
// means the defaults: the telemetry server on DefaultListen, no OTLP.
type Config struct {
	// Listen is the telemetry server's address, host:port; "off" turns
	// the server off (metrics are still recorded, for OTLP and alerts).
	Listen string
	// Path is where Prometheus scrapes; /healthz, /readyz and /status are
	// served beside it.
	Path string
	// Interval is how often process and host resources are sampled and
	// the rates of /status are computed.
	Interval time.Duration
	// LogInterval is how often the periodic summaries are logged: frame
	// drops per stage and reason, queue lengths, and resources with the
	// busiest stage.
	LogInterval time.Duration
	// QueueWarn is the queue length, in messages, past which a stage's
	// queue is logged as a warning; 0 means 10, the default alert
	// threshold of the rule set.
	QueueWarn int
	// Profiling serves Go's profiler (net/http/pprof) at /debug/pprof/.
	Profiling bool
	// Disks are more paths whose file systems' use is reported, besides
	// those of stages implementing DiskWriter.
	Disks []string
	// OTLP, when set, pushes every metric to an OpenTelemetry collector.
	OTLP *OTLPConfig
}

// OTLPConfig configures the OTLP exporter.
type OTLPConfig struct {
	// Endpoint is host:port, sent without TLS, or an http:// or https://
	// URL (https uses TLS); over http, a URL without a path gets
	// /v1/metrics.
	Endpoint string
	// Protocol is ProtocolGRPC (default) or ProtocolHTTP.
	Protocol string
	// Interval is how often metrics are pushed.
	Interval time.Duration
	// Headers are sent with every export (authentication tokens).
	Headers map[string]string
}

// ListenOff turns the telemetry server off.
const ListenOff = "off"

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.LogInterval <= 0 {
		c.LogInterval = DefaultLogInterval
	}
	if c.QueueWarn <= 0 {
		c.QueueWarn = 10
	}
	if c.OTLP != nil {
		o := *c.OTLP
		if o.Protocol == "" {
			o.Protocol = ProtocolGRPC
		}
		if o.Interval <= 0 {
			o.Interval = DefaultOTLPInterval
		}
		c.OTLP = &o
	}
	return c
}

// Check reports the first setting that cannot work.
func (c Config) Check() error {
	c = c.WithDefaults()
	if c.Listen != ListenOff {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("telemetry listen %q: want host:port or %q: %w", c.Listen, ListenOff, err)
		}
	}
	if !strings.HasPrefix(c.Path, "/") {
		return fmt.Errorf("telemetry path %q: must start with /", c.Path)
	}
	for _, p := range []string{healthzPath, readyzPath, statusPath} {
		if c.Path == p {
			return fmt.Errorf("telemetry path %q: taken by the %s endpoint; choose another", c.Path, p)
		}
	}
	if o := c.OTLP; o != nil {
		if o.Endpoint == "" {
			return fmt.Errorf("telemetry otlp: endpoint is required")
		}
		if o.Protocol != ProtocolGRPC && o.Protocol != ProtocolHTTP {
			return fmt.Errorf("telemetry otlp protocol %q: want %q or %q", o.Protocol, ProtocolGRPC, ProtocolHTTP)
		}
	}
	return nil
}
