package hcl

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/streampipe/streampipe/stages"
	"github.com/streampipe/streampipe/telemetry"
)

const telemetryPipeline = `
pipeline "p" {
  capture "synthetic" {}
  sink "discard" {}
}
`

func TestTelemetryBlock(t *testing.T) {
	path := writeConfig(t, `
telemetry {
  listen       = "127.0.0.1:0"
  path         = "/m"
  interval     = "250ms"
  log_interval = "30s"
  queue_warn   = 12
  disks        = ["out", "/var/tmp"]
  otlp {
    endpoint = "127.0.0.1:4318"
    protocol = "http"
    interval = "5s"
    headers  = { authorization = "Bearer x" }
  }
}
`+telemetryPipeline)
	cfg, diags := Load(path, Options{Registry: stages.Registry()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := &telemetry.Config{
		Listen: "127.0.0.1:0", Path: "/m", Interval: 250 * time.Millisecond,
		LogInterval: 30 * time.Second, QueueWarn: 12,
		Disks: []string{filepath.Join(filepath.Dir(path), "out"), "/var/tmp"},
		OTLP: &telemetry.OTLPConfig{Endpoint: "127.0.0.1:4318", Protocol: "http", Interval: 5 * time.Second,
			Headers: map[string]string{"authorization": "Bearer x"}},
	}
	if d := cmp.Diff(want, cfg.Telemetry); d != "" {
		t.Errorf("telemetry block (-want +got):\n%s", d)
	}
}

func TestTelemetryBlockDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"no block":    telemetryPipeline,
		"empty block": "telemetry {}\n" + telemetryPipeline,
	} {
		t.Run(name, func(t *testing.T) {
			cfg, diags := Load(writeConfig(t, src), Options{Registry: stages.Registry()})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := telemetry.Config{}
			if cfg.Telemetry != nil {
				got = *cfg.Telemetry
			}
			got = got.WithDefaults()
			if got.Listen != telemetry.DefaultListen || got.Path != telemetry.DefaultPath ||
				got.Interval != telemetry.DefaultInterval || got.OTLP != nil {
				t.Errorf("defaults: %+v", got)
			}
		})
	}
}

func TestTelemetryBlockErrors(t *testing.T) {
	for _, tc := range []struct {
		name, block, summary, detail string
	}{
		{"duplicate", "telemetry {}\ntelemetry {}", "Duplicate telemetry block", "at most one"},
		{"bad listen", `telemetry { listen = "9464" }`, "Invalid telemetry setting", "host:port"},
		{"taken path", `telemetry { path = "/readyz" }`, "Invalid telemetry setting", "taken"},
		{"relative path", `telemetry { path = "metrics" }`, "Invalid telemetry setting", "start with /"},
		{"protocol", `telemetry {
  otlp {
    endpoint = "x:1"
    protocol = "udp"
  }
}`, "", "grpc"},
		{"no endpoint", "telemetry {\n  otlp {}\n}", "Missing required argument", "endpoint"},
		{"two otlp", "telemetry {\n  otlp { endpoint = \"a:1\" }\n  otlp { endpoint = \"b:1\" }\n}", "", "otlp"},
		{"headers", `telemetry {
  otlp {
    endpoint = "x:1"
    headers  = { a = 1 }
  }
}`, "Invalid OTLP headers", "not a string"},
		{"interval", `telemetry { interval = "0s" }`, "", "interval"},
		{"empty disk", `telemetry { disks = [""] }`, "Invalid telemetry setting", "empty path"},
		{"path with query", `telemetry { path = "/metrics?x=1" }`, "Invalid telemetry setting", "query"},
		{"path with fragment", `telemetry { path = "/metrics#top" }`, "Invalid telemetry setting", "query"},
		{"unclean path", `telemetry { path = "/a//metrics" }`, "Invalid telemetry setting", `write "/a/metrics"`},
		{"path with space", `telemetry { path = "/my metrics" }`, "Invalid telemetry setting", "not allowed"},
		{"path with wildcard", `telemetry { path = "/{x}" }`, "Invalid telemetry setting", "not allowed"},
		{"unknown", `telemetry { port = 1 }`, "Unsupported argument", "port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Load(writeConfig(t, tc.block+"\n"+telemetryPipeline), Options{Registry: stages.Registry()})
			if !diags.HasErrors() {
				t.Fatalf("no error; telemetry %+v", cfg.Telemetry)
			}
			found := false
			for _, d := range diags {
				if (tc.summary == "" || d.Summary == tc.summary) &&
					strings.Contains(d.Summary+" "+d.Detail, tc.detail) && d.Subject != nil {
					found = true
				}
			}
			if !found {
				t.Errorf("no placed diagnostic %q containing %q in:\n%v", tc.summary, tc.detail, diags)
			}
		})
	}
}

// TestTelemetryBlockReportsEveryError: one load names every wrong
// setting of the block, each at its own attribute, not only the first.
func TestTelemetryBlockReportsEveryError(t *testing.T) {
	src := `telemetry {
  listen     = "nonsense"
  queue_warn = 0
  path       = "/metrics?x=1"
  disks      = [""]
}
` + telemetryPipeline
	_, diags := Load(writeConfig(t, src), Options{Registry: stages.Registry()})
	want := map[int]string{2: "host:port", 3: "queue_warn", 4: "query", 5: "empty path"}
	for line, text := range want {
		found := false
		for _, d := range diags {
			if d.Subject != nil && d.Subject.Start.Line == line && strings.Contains(d.Summary+" "+d.Detail, text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no error on line %d mentioning %q in:\n%v", line, text, diags)
		}
	}
}

// TestTelemetryDisksAreCleaned: two spellings of one directory are one
// path, so that a file system is reported as one series.
func TestTelemetryDisksAreCleaned(t *testing.T) {
	path := writeConfig(t, `telemetry {
  disks = ["/tmp/x/../x", "out/./a/", "/var//tmp"]
}
`+telemetryPipeline)
	cfg, diags := Load(path, Options{Registry: stages.Registry()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []string{"/tmp/x", filepath.Join(filepath.Dir(path), "out", "a"), "/var/tmp"}
	if d := cmp.Diff(want, cfg.Telemetry.Disks); d != "" {
		t.Errorf("disks (-want +got):\n%s", d)
	}
}
