package telemetry_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
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
