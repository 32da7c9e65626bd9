package main

import (
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// A synthetic pipeline that ends by itself after a second.
const shortPipeline = `pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
    frames = 30
  }
  sink "discard" {}
}
`

func TestRunTelemetryPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()

	// The hint names where the address came from.
	for _, tc := range []struct{ name, conf, hint, notHint string }{
		{"flag", shortPipeline, "-telemetry-listen", "telemetry {"},
		{"block", "telemetry {\n  listen = \"" + addr + "\"\n}\n" + shortPipeline, "telemetry {", "-telemetry-listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := writeFile(t, "p.hcl", tc.conf)
			args := []string{"run", conf}
			if tc.name == "flag" {
				args = append(args, "-telemetry-listen", addr)
			}
			_, errOut, code := invoke(t, args...)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, errOut)
			}
			for _, want := range []string{addr, "uses the port", tc.hint} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut, tc.notHint) {
				t.Errorf("stderr names %q, where the address did not come from:\n%s", tc.notHint, errOut)
			}
		})
	}
}

// TestRunTelemetryFlagClashesWithASink: a -telemetry-listen address that
// a sink of the file listens on is a configuration error at the sink's
// attribute, reported before anything binds, while the telemetry block's
// own address, which the flag replaces, is not.
func TestRunTelemetryFlagClashesWithASink(t *testing.T) {
	const addr = "127.0.0.1:1" // never bound: the error comes first
	conf := writeFile(t, "p.hcl", "telemetry {\n  listen = \"127.0.0.1:2\"\n}\n"+
		"pipeline \"p\" {\n  capture \"synthetic\" {}\n  sink \"websocket\" {\n    listen = \""+addr+"\"\n  }\n}\n")
	_, errOut, code := invoke(t, "run", "-telemetry-listen", addr, conf)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, errOut)
	}
	for _, want := range []string{"Listen address already used", "p.hcl:7:14",
		`"` + addr + `" is first used by -telemetry-listen.`, "configuration is invalid"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "telemetry listening") {
		t.Errorf("the telemetry server started before the error:\n%s", errOut)
	}
}

func TestRunWithTelemetryOnAFreePort(t *testing.T) {
	conf := writeFile(t, "p.hcl", "telemetry {\n  listen = \"127.0.0.1:0\"\n}\n"+shortPipeline)
	_, errOut, code := invoke(t, "--log-level", "debug", "run", conf)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "telemetry listening on http://127.0.0.1:") {
		t.Errorf("no telemetry listening line:\n%s", errOut)
	}
}

// syncBuffer is a strings.Builder safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunScrapeIsDocumented runs a real pipeline with a client watching
// and fails on any metric family of its scrape that docs/metrics.md does
// not list: the Go runtime's, the host's and the exporter's included.
func TestRunScrapeIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(testenv.Path(t, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\|")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}

	conf := writeFile(t, "p.hcl", `telemetry {
  listen   = "127.0.0.1:0"
  interval = "100ms"
}
pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
  }
  quality {}
  batch {}
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		args := []string{"streampipe", "--log-format", "json", "run", conf}
		code <- Main(ctx, args, io.Discard, &stderr, nil)
	}()
	address := func(re *regexp.Regexp) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if m := re.FindStringSubmatch(stderr.String()); m != nil {
				return m[1]
			}
			if time.Now().After(deadline) {
				t.Fatalf("no match for %s in the log:\n%s", re, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	metricsURL := address(regexp.MustCompile(`telemetry listening on (http://[0-9.:]+)`)) + "/metrics"
	streamURL := address(regexp.MustCompile(`listening on (ws://[0-9.:]+/[^ ",]*)`))

	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	defer dcancel()
	c, err := wire.Dial(dctx, streamURL, "low")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, err := c.NextBatch(dctx); err != nil {
		t.Fatal(err)
	}

	// Scrape until the last metrics to appear are there: the CPU shares,
	// after a full window, and the frames sent to the client.
	var families map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for families["process_cpu_utilization_ratio"] == nil ||
		families["streampipe_websocket_frames_sent_total"] == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the scrape lacks the CPU shares or the frames sent: %v",
				slices.Sorted(maps.Keys(families)))
		}
		time.Sleep(100 * time.Millisecond)
		resp, err := http.Get(metricsURL)
		if err != nil {
			t.Fatal(err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err = parser.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	for name := range families {
		if !documented[name] {
			t.Errorf("%s is in the scrape but not in docs/metrics.md", name)
		}
	}

	cancel()
	select {
	case got := <-code:
		if got != 0 {
			t.Errorf("run exited %d:\n%s", got, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
}
