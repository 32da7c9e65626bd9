package telemetry_test

import (
	"bytes"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/telemetry"
)

var update = flag.Bool("update", false, "rewrite docs/metrics.md from the instrument table")

func TestMetricsDocIsGenerated(t *testing.T) {
	var b bytes.Buffer
	if err := telemetry.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	path := testenv.Path(t, "docs", "metrics.md")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./telemetry -update to generate it", err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Errorf("docs/metrics.md differs from the instrument table; run go test ./telemetry -update")
	}
	for _, in := range telemetry.Instruments() {
		if !bytes.Contains(got, []byte("`"+in.PrometheusName()+"`")) {
			t.Errorf("docs/metrics.md does not name %s", in.PrometheusName())
		}
	}
}

func TestPromtoolAcceptsTheScrape(t *testing.T) {
	promtool := testenv.Program(t, "promtool")
	byName, _ := scrapeAll(t)
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range byName {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "scrape.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\n(scrape kept in %s)", err, out, file)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("promtool check metrics found problems:\n%s", s)
	}
}

// documentedMetrics returns the Prometheus names docs/metrics.md lists in
// its tables, and each histogram's bucket bounds as written there.
func documentedMetrics(t *testing.T) (names map[string]bool, buckets map[string][]string) {
	t.Helper()
	doc, err := os.ReadFile(testenv.Path(t, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	names, buckets = map[string]bool{}, map[string][]string{}
	row := regexp.MustCompile("^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\| (.*) \\|$")
	inBuckets := false
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			inBuckets = line == "## Histogram buckets"
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if inBuckets {
			buckets[m[1]] = strings.Split(m[2], ", ")
		} else {
			names[m[1]] = true
		}
	}
	if len(names) == 0 || len(buckets) == 0 {
		t.Fatal("docs/metrics.md has no metric tables")
	}
	return names, buckets
}

// TestScrapeHoldsOnlyDocumentedMetrics: every metric family a scrape
// exposes, the libraries' and the exporter's included, is in
// docs/metrics.md.
func TestScrapeHoldsOnlyDocumentedMetrics(t *testing.T) {
	documented, _ := documentedMetrics(t)
	byName, _ := scrapeAll(t)
	for name := range byName {
		if !documented[name] {
			t.Errorf("%s is in the scrape but not in docs/metrics.md; declare it in the table", name)
		}
	}
}

// TestHistogramBoundsMatchTheDocs: the le labels of every histogram in
// the text exposition are, character for character, the bounds
// docs/metrics.md lists.
func TestHistogramBoundsMatchTheDocs(t *testing.T) {
	_, documented := documentedMetrics(t)
	_, tel := scrapeAll(t)
	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	le := regexp.MustCompile(`^([a-z_:]+)_bucket\{.*le="([^"]+)"`)
	scraped := map[string][]string{}
	seen := map[string]bool{}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		m := le.FindStringSubmatch(line)
		if m == nil || m[2] == "+Inf" || seen[m[1]+" "+m[2]] {
			continue
		}
		seen[m[1]+" "+m[2]] = true
		scraped[m[1]] = append(scraped[m[1]], m[2])
	}
	if len(scraped) == 0 {
		t.Fatal("no histogram in the scrape")
	}
	for name, bounds := range scraped {
		if want := documented[name]; !slices.Equal(bounds, want) {
			t.Errorf("%s: the scrape's le labels are\n%v\nthe docs list\n%v", name, bounds, want)
		}
	}
}

// TestDeprecatedRuntimeMetricsAreDropped: the runtime instrumentation's
// deprecated metrics, which an environment variable turns on, stay out of
// the scrape, which then holds only documented metrics still.
func TestDeprecatedRuntimeMetricsAreDropped(t *testing.T) {
	t.Setenv("OTEL_GO_X_DEPRECATED_RUNTIME_METRICS", "true")
	documented, _ := documentedMetrics(t)
	tel := newTelemetry(t, telemetry.Options{})
	families, err := tel.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	goroutines, _ := telemetry.PrometheusName(telemetry.GoGoroutineCount)
	found := false
	for _, mf := range families {
		found = found || mf.GetName() == goroutines
		if !documented[mf.GetName()] {
			t.Errorf("%s is in the scrape but not in docs/metrics.md", mf.GetName())
		}
	}
	if !found {
		t.Errorf("no %s: the runtime instrumentation is not running", goroutines)
	}
}
