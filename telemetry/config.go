package telemetry

import (
	"errors"
	"fmt"
	"net"
	"path"
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
	// ListenFlag names the command-line flag Listen came from, such as
	// "-telemetry-listen", so that errors about the address (a port in
	// use) tell the user to change the flag rather than the telemetry
	// block. Empty means the block.
	ListenFlag string
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
	// those of stages implementing DiskWriter. They are cleaned
	// (filepath.Clean), so that two spellings of a path are one series.
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

// Check reports every setting that cannot work, joined with
// errors.Join.
func (c Config) Check() error {
	c = c.WithDefaults()
	var errs []error
	if err := CheckListen(c.Listen); err != nil {
		if c.ListenFlag != "" {
			err = fmt.Errorf("%s: %w", c.ListenFlag, err)
		}
		errs = append(errs, err)
	}
	errs = append(errs, CheckPath(c.Path))
	for _, p := range c.Disks {
		errs = append(errs, CheckDisk(p))
	}
	if o := c.OTLP; o != nil {
		if o.Endpoint == "" {
			errs = append(errs, errors.New("telemetry otlp: endpoint is required"))
		}
		if o.Protocol != ProtocolGRPC && o.Protocol != ProtocolHTTP {
			errs = append(errs, fmt.Errorf("telemetry otlp protocol %q: want %q or %q",
				o.Protocol, ProtocolGRPC, ProtocolHTTP))
		}
	}
	return errors.Join(errs...)
}

// CheckListen reports whether addr can be the telemetry server's address:
// host:port, or "off".
func CheckListen(addr string) error {
	if addr == ListenOff {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("telemetry listen %q: want host:port or %q: %w", addr, ListenOff, err)
	}
	return nil
}

// CheckPath reports whether p can be the metrics path: a plain absolute
// URL path such as /metrics, already clean (no //, /./, /../ or trailing
// slash), without a query or fragment, of letters, digits and the few
// punctuation marks a path needs, and not one of the other endpoints.
func CheckPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("telemetry path %q: must start with /", p)
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return fmt.Errorf("telemetry path %q: must be a plain URL path, without a query or fragment "+
			"(%q); Prometheus adds its own parameters", p, p[i:])
	}
	for _, r := range p {
		if !pathChar(r) {
			return fmt.Errorf("telemetry path %q: %q is not allowed; use letters, digits and - . _ ~ /",
				p, r)
		}
	}
	if clean := path.Clean(p); clean != p {
		return fmt.Errorf("telemetry path %q: not a clean path; write %q", p, clean)
	}
	for _, e := range []string{healthzPath, readyzPath, statusPath} {
		if p == e {
			return fmt.Errorf("telemetry path %q: taken by the %s endpoint; choose another", p, e)
		}
	}
	return nil
}

// pathChar reports whether r may appear in the metrics path: RFC 3986's
// unreserved characters, the slash, and the sub-delimiters, ":" and "@"
// that a path segment may hold unescaped. Braces (wildcards of
// http.ServeMux patterns), "%" escapes, spaces and non-ASCII are not.
func pathChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~/!$&'()*+,;=:@", r)
}

// CheckDisk reports whether p can be a disk path: any non-empty path.
func CheckDisk(p string) error {
	if p == "" {
		return errors.New("telemetry disks: an empty path; give a directory a file sink writes to, " +
			"such as \"out\"")
	}
	return nil
}
