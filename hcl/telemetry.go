package hcl

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// telemetrySpec describes the root telemetry block.
var telemetrySpec = pipeline.Spec{
	Attrs: []pipeline.Attr{
		{Name: "listen", Type: pipeline.TypeString, Default: telemetry.DefaultListen,
			Exclusive: pipeline.ResourceListen,
			Doc: "Address of the telemetry server (/metrics, /healthz, /readyz, /status), its own " +
				"listener; \"off\" turns the server off."},
		{Name: "path", Type: pipeline.TypeString, Default: telemetry.DefaultPath,
			Doc: "Where Prometheus scrapes the metrics."},
		{Name: "interval", Type: pipeline.TypeDuration, Default: telemetry.DefaultInterval, Range: "[0.01,]",
			Doc: "How often process and host resources are sampled and the rates of /status computed."},
		{Name: "log_interval", Type: pipeline.TypeDuration, Default: telemetry.DefaultLogInterval,
			Range: "[1,]",
			Doc: "How often the periodic summaries are logged: frame drops per stage and reason, " +
				"queue lengths (debug) and the resource summary with the busiest stage."},
		{Name: "queue_warn", Type: pipeline.TypeInt, Default: 10, Range: "[1,]",
			Doc: "Queue length, in messages, past which a stage's queue is logged as a warning " +
				"(at most once per log_interval while it stays above)."},
		{Name: "profiling", Type: pipeline.TypeBool, Default: false,
			Doc: "Serves Go's profiler at /debug/pprof/ on the telemetry listener, for finding where " +
				"CPU and memory go. Off by default: profiles reveal internals, so turn it on only on a " +
				"listener that untrusted clients cannot reach."},
		{Name: "disks", Type: pipeline.TypeStringList,
			Doc: "More paths whose file systems' use is reported, besides the paths file sinks " +
				"write to. Relative paths resolve against the configuration file's directory."},
	},
	Blocks: []pipeline.BlockSpec{{
		Name: "otlp", Max: 1,
		Doc: "Pushes every metric to an OpenTelemetry collector over OTLP, besides the Prometheus endpoint.",
		Spec: pipeline.Spec{Attrs: []pipeline.Attr{
			{Name: "endpoint", Type: pipeline.TypeString, Required: true,
				Doc: "host:port, sent without TLS, or an http:// or https:// URL (https uses TLS); over http a URL without a path gets /v1/metrics."},
			{Name: "protocol", Type: pipeline.TypeString, Default: telemetry.ProtocolGRPC,
				OneOf: []string{telemetry.ProtocolGRPC, telemetry.ProtocolHTTP},
				Doc:   "OTLP over gRPC or over HTTP (protobuf)."},
			{Name: "interval", Type: pipeline.TypeDuration, Default: telemetry.DefaultOTLPInterval,
				Range: "[1,]", Doc: "How often metrics are pushed."},
			{Name: "headers", Type: pipeline.TypeAny,
				Doc: "A map of header names to strings sent with every push, such as an authorization token."},
		}},
	}},
}

// decodeTelemetry decodes the telemetry block; a file has at most one.
func (l *loader) decodeTelemetry(b *hcl.Block) hcl.Diagnostics {
	if l.telemetryRange != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Duplicate telemetry block",
			Detail: fmt.Sprintf("A telemetry block was first declared at %s, and a file has at most "+
				"one: merge the two.", where(*l.telemetryRange)),
			Subject: b.DefRange.Ptr(),
		}}
	}
	l.telemetryRange = &b.DefRange

	content, diags := b.Body.Content(specSchema(telemetrySpec, nil, nil))
	cfg := pipeline.NewConfig(telemetrySpec)
	cfg.DefRange = toPipelineRange(b.DefRange)
	diags = diags.Extend(l.decodeContent(content, cfg, b.DefRange, "telemetry"))

	// The settings that decoded are checked even when others did not, so
	// that one pass reports every mistake in the block. An attribute that
	// failed to decode reads as its default here, which is valid.
	tc := telemetry.Config{
		Listen:      cfg.String("listen"),
		Path:        cfg.String("path"),
		Interval:    cfg.Duration("interval"),
		LogInterval: cfg.Duration("log_interval"),
		QueueWarn:   cfg.Int("queue_warn"),
		Profiling:   cfg.Bool("profiling"),
	}
	invalid := func(attr string, err error) {
		if err == nil {
			return
		}
		rng := toHCLRange(cfg.Range(attr))
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid telemetry setting",
			Detail:   fmt.Sprintf("%v.", err),
			Subject:  rng.Ptr(),
		})
	}
	invalid("listen", telemetry.CheckListen(tc.Listen))
	invalid("path", telemetry.CheckPath(tc.Path))
	for _, p := range cfg.Strings("disks") {
		if err := telemetry.CheckDisk(p); err != nil {
			invalid("disks", err)
			continue
		}
		// Join cleans too: /tmp/x/../x is /tmp/x, one file system and
		// one series.
		if !filepath.IsAbs(p) {
			p = filepath.Join(l.dir, p)
		}
		tc.Disks = append(tc.Disks, filepath.Clean(p))
	}
	if blocks := cfg.Blocks("otlp"); len(blocks) == 1 {
		o := blocks[0]
		tc.OTLP = &telemetry.OTLPConfig{
			Endpoint: o.String("endpoint"),
			Protocol: o.String("protocol"),
			Interval: o.Duration("interval"),
		}
		headers, d := otlpHeaders(o)
		diags = diags.Extend(d)
		tc.OTLP.Headers = headers
	}
	if diags.HasErrors() {
		return diags
	}

	// Anything else the telemetry package refuses (the checks above
	// should have found it all), on the block.
	invalid("", tc.Check())
	if !diags.HasErrors() {
		l.telemetry, l.telemetryConfig = &tc, cfg
	}
	return diags
}

// otlpHeaders checks that headers is a map of strings.
func otlpHeaders(o *pipeline.Config) (map[string]string, hcl.Diagnostics) {
	v := o.Value("headers")
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	rng := toHCLRange(o.Range("headers"))
	bad := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid OTLP headers",
		Detail:   `headers must be a map of strings, such as { authorization = "Bearer ..." }.`,
		Subject:  rng.Ptr(),
	}
	if !ok {
		return nil, hcl.Diagnostics{bad}
	}
	out := make(map[string]string, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := m[k].(string)
		if !ok {
			bad.Detail = fmt.Sprintf("Header %q is not a string; %s", k, bad.Detail)
			return nil, hcl.Diagnostics{bad}
		}
		out[k] = s
	}
	return out, nil
}
