package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/alerting/export"
	"github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages"
	"github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// liveConfig exercises every panel of the dashboard and every default
// rule: a buffer that overflows in front of a delay stage (drops), two
// tiers with decimation (skips), windowed batches, a WebSocket sink whose
// clients change tier and vanish, a disk path, and a rule that fires so
// that alert transitions are counted.
const liveConfig = `
telemetry {
  listen   = "127.0.0.1:0"
  interval = "100ms"
  disks    = ["."]
}
alerts {
  defaults = true
  interval = "100ms"
}
alert "memory_used" {
  metric   = "system.memory.utilization"
  labels   = { system_memory_state = "used" }
  above    = "0%"
  severity = "info"
}
pipeline "live" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
  }
  buffer {
    capacity = 2
  }
  stage "delay" "slow" {
    delay = "50ms"
  }
  quality {
    tier "high" {
      fps = 30
    }
    tier "low" {
      fps = 10
    }
  }
  batch {
    window   = "50ms"
    max_size = 3
  }
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
}
`

func load(t *testing.T, src string, opts hcl.Options) (*hcl.Config, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "live.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Registry = stages.Registry()
	cfg, diags := hcl.Load(path, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg, path
}

func exports(t *testing.T, cfg *hcl.Config) (rules, dashboard []byte) {
	t.Helper()
	var r, d bytes.Buffer
	if err := export.WritePrometheusRules(&r, "live.hcl", cfg.Alerts, export.RulesOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := export.WriteGrafana(&d, export.Dashboard{Source: "live.hcl", Pipelines: cfg.Pipelines,
		Alerts: cfg.Alerts, Registry: cfg.Registry(), Disks: true}); err != nil {
		t.Fatal(err)
	}
	return r.Bytes(), d.Bytes()
}

// promtool runs promtool check rules on content.
func promtool(t *testing.T, content []byte) {
	t.Helper()
	bin := testenv.Program(t, "promtool")
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, content)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules:\n%s", out)
	}
}

func TestPromtoolAcceptsTheRules(t *testing.T) {
	cfg, _ := load(t, liveConfig, hcl.Options{})
	rules, _ := exports(t, cfg)
	promtool(t, rules)
	for _, r := range cfg.Alerts.Rules {
		if !bytes.Contains(rules, []byte(`- alert: "`+r.Name+`"`)) {
			t.Errorf("rules lack alert %s", r.Name)
		}
	}
	for _, want := range []string{`severity: "critical"`, `for: "1m"`, `interval: "15s"`,
		"# evaluation interval raised from 100ms to the 15s scrape interval.",
		`histogram_quantile(0.95, sum by (pipeline, stage, tier, instance, job, le) ` +
			`(rate(streampipe_websocket_frame_latency_seconds_bucket[5m]))) > 0.1`} {
		if !bytes.Contains(rules, []byte(want)) {
			t.Errorf("rules lack %s:\n%s", want, rules)
		}
	}
}

// dashboardExprs returns the expressions of every panel.
func dashboardExprs(t *testing.T, dashboard []byte) []string {
	t.Helper()
	var model struct {
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			GridPos struct{ H, W, X, Y int }
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
			FieldConfig struct {
				Defaults struct {
					Thresholds struct {
						Steps []struct {
							Value *float64 `json:"value"`
						} `json:"steps"`
					} `json:"thresholds"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query string `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(dashboard, &model); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	ids := map[int]bool{}
	for _, p := range model.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W <= 0 || p.GridPos.H <= 0 {
			t.Errorf("panel %q out of the grid: %+v", p.Title, p.GridPos)
		}
		if p.Type == "timeseries" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		steps := p.FieldConfig.Defaults.Thresholds.Steps
		for i := 2; i < len(steps); i++ {
			if *steps[i].Value < *steps[i-1].Value {
				t.Errorf("panel %q: threshold steps not ascending", p.Title)
			}
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	return exprs
}

// grafanaToPromQL replaces the dashboard's variables by what Grafana would
// put there.
func grafanaToPromQL(expr string) string {
	return strings.NewReplacer("$__rate_interval", "1m", "$pipeline", ".*").Replace(expr)
}

func TestPromtoolAcceptsTheDashboardQueries(t *testing.T) {
	cfg, _ := load(t, liveConfig, hcl.Options{})
	_, dashboard := exports(t, cfg)
	exprs := dashboardExprs(t, dashboard)
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		q, _ := json.Marshal(grafanaToPromQL(e))
		fmt.Fprintf(&b, "      - record: dashboard:query_%d\n        expr: %s\n", i, q)
	}
	promtool(t, []byte(b.String()))
}

var (
	quoted   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	braces   = regexp.MustCompile(`\{[^}]*\}`)
	brackets = regexp.MustCompile(`\[[^\]]*\]`)
	offsets  = regexp.MustCompile(`\boffset\s+[0-9a-z]+`)
	grouping = regexp.MustCompile(`\b(by|without)\s*\([^)]*\)`)
	ident    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
)

// metricNames returns the metric names a PromQL expression selects: its
// identifiers that are not functions, keywords, label names or ranges.
func metricNames(expr string) []string {
	s := quoted.ReplaceAllString(expr, `""`)
	s = braces.ReplaceAllString(s, "")
	s = brackets.ReplaceAllString(s, "")
	s = offsets.ReplaceAllString(s, "")
	s = grouping.ReplaceAllString(s, "")
	keywords := []string{"offset", "or", "and", "unless", "bool", "on", "ignoring"}
	var out []string
	for _, m := range ident.FindAllString(s, -1) {
		if strings.HasSuffix(m, "(") || slices.Contains(keywords, m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func TestMetricNamesOfPromQL(t *testing.T) {
	got := metricNames(`histogram_quantile(0.95, sum by (pipeline, le) (rate(a_bucket{x="y"}[5m]))) > 0.1 ` +
		`or sum(b offset 5m) / (avg_over_time((c{system_memory_state="used"})[5m:]) > 0)`)
	if !slices.Equal(got, []string{"a_bucket", "b", "c"}) {
		t.Errorf("metricNames = %v", got)
	}
}

// reserved is the metric declared for a later feature and not recorded
// yet: rules and dashboards may name it, a scrape cannot have it.
var reserved = telemetry.RedisLatency

// TestEveryExportedMetricIsInARealScrape runs a pipeline with telemetry
// and the alert engine, with clients that watch, change tier and vanish,
// and checks that every metric the rules and the dashboard name is in the
// scrape of /metrics. A metric renamed in the table or in the exporter
// fails here.
func TestEveryExportedMetricIsInARealScrape(t *testing.T) {
	tel, err := telemetry.New(telemetry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tel.Shutdown(ctx)
	}()
	cfg, path := load(t, liveConfig, hcl.Options{Meter: tel.Meter(), Status: tel.StatusHandler()})
	p := cfg.Pipelines[0]
	tel.Attach(p)
	tcfg := *cfg.Telemetry
	if err := tel.Start(context.Background(), tcfg); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "."); !slices.Contains(tcfg.Disks, want) {
		t.Fatalf("disks %v", tcfg.Disks)
	}
	engine, err := alerting.New(tel, cfg.Alerts, alerting.Options{Meter: tel.Meter()})
	if err != nil {
		t.Fatal(err)
	}
	tel.SetAlerts(engine)
	engine.Start(context.Background())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = engine.Stop(ctx)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	// Clients: one watches and changes tier, one vanishes, one closes.
	url := sinkURL(t, p)
	watcher, err := wire.Dial(context.Background(), url, "high")
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	go func() {
		for {
			if _, err := watcher.NextBatch(context.Background()); err != nil {
				return
			}
		}
	}()
	if err := watcher.RequestQuality("low"); err != nil {
		t.Fatal(err)
	}
	for _, abrupt := range []bool{true, false} {
		c, err := wire.Dial(context.Background(), url, "high")
		if err != nil {
			t.Fatal(err)
		}
		if abrupt {
			_ = c.CloseNow()
		} else {
			_ = c.Close()
		}
	}

	rules, dashboard := exports(t, cfg)
	want := map[string]bool{}
	for _, e := range append(dashboardExprs(t, dashboard), ruleExprs(rules)...) {
		for _, m := range metricNames(grafanaToPromQL(e)) {
			want[m] = true
		}
	}
	// The engine's own metrics, whatever the exports name.
	for _, m := range []string{telemetry.AlertTransitions, telemetry.AlertNotifications} {
		name, _ := telemetry.PrometheusName(m)
		want[name] = true
	}
	if len(want) < 30 {
		t.Fatalf("only %d metrics named: %v", len(want), want)
	}

	// Poll the scrape until every named metric is there.
	var missing []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		families := scrape(t, "http://"+tel.Addr()+tcfg.WithDefaults().Path)
		missing = missing[:0]
		for m := range want {
			if !inScrape(m, families) && !isReserved(t, m) {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("named by the exports but not in the scrape: %v", missing)
	}

	// The engine's metrics carry the labels the table declares.
	labels := scrapeLabels(t, "http://"+tel.Addr()+tcfg.WithDefaults().Path)
	for _, m := range []string{telemetry.AlertTransitions, telemetry.AlertNotifications} {
		in, _ := telemetry.Lookup(m)
		got := labels[in.PrometheusName()]
		want := in.PrometheusLabels()
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s labels %v, want %v", in.PrometheusName(), got, want)
		}
	}

	// The Redis rule is declared but has no data: it stays inactive.
	for _, st := range engine.AlertStates() {
		if st.Name == "redis_latency" && (st.State != "inactive" || st.Labels != nil) {
			t.Errorf("redis_latency: %+v, want inactive without data", st)
		}
	}
}

// ruleExprs returns the expr lines of a rule file.
func ruleExprs(rules []byte) []string {
	var out []string
	for _, line := range strings.Split(string(rules), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "expr: "); ok {
			var s string
			if json.Unmarshal([]byte(v), &s) == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// inScrape reports whether the scrape has name, a histogram's series
// counting as its family.
func inScrape(name string, families map[string]bool) bool {
	if families[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && families[base] {
			return true
		}
	}
	return false
}

func isReserved(t *testing.T, name string) bool {
	in, ok := telemetry.Lookup(reserved)
	if !ok {
		t.Fatalf("%s is no longer declared", reserved)
	}
	base := in.PrometheusName()
	return name == base || name == base+"_bucket" || name == base+"_sum" || name == base+"_count"
}

func scrape(t *testing.T, url string) map[string]bool {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	out := map[string]bool{}
	for name, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			out[name] = true
		}
	}
	return out
}

// scrapeLabels returns the label names of the first series of each
// metric family.
func scrapeLabels(t *testing.T, url string) map[string][]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, mf := range mfs {
		if len(mf.GetMetric()) == 0 {
			continue
		}
		out[name] = []string{}
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			out[name] = append(out[name], lp.GetName())
		}
	}
	return out
}

func sinkURL(t *testing.T, p *pipeline.Pipeline) string {
	t.Helper()
	for _, n := range p.Nodes() {
		if s, ok := n.Stage.(*websocket.Sink); ok {
			deadline := time.Now().Add(30 * time.Second)
			for s.URL() == "" {
				if time.Now().After(deadline) {
					t.Fatal("the websocket sink does not listen")
				}
				time.Sleep(10 * time.Millisecond)
			}
			return s.URL()
		}
	}
	t.Fatal("no websocket sink")
	return ""
}

func TestGrafanaThresholdsFollowTheRules(t *testing.T) {
	cfg, _ := load(t, liveConfig, hcl.Options{})
	_, dashboard := exports(t, cfg)
	var model struct {
		Panels []struct {
			Title       string `json:"title"`
			FieldConfig struct {
				Defaults struct {
					Unit       string `json:"unit"`
					Thresholds struct {
						Steps []struct {
							Color string   `json:"color"`
							Value *float64 `json:"value"`
						} `json:"steps"`
					} `json:"thresholds"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashboard, &model); err != nil {
		t.Fatal(err)
	}
	lines := map[string][]string{}
	units := map[string]string{}
	for _, p := range model.Panels {
		if _, seen := units[p.Title]; seen {
			continue // the same panel in another family's row
		}
		units[p.Title] = p.FieldConfig.Defaults.Unit
		for _, s := range p.FieldConfig.Defaults.Thresholds.Steps {
			if s.Value != nil {
				lines[p.Title] = append(lines[p.Title], fmt.Sprintf("%g %s", *s.Value, s.Color))
			}
		}
	}
	for title, want := range map[string][]string{
		"Frame latency, capture to socket write": {"0.1 red", "0.2 red"},
		"Connection drop ratio":                  {"0.1 red"},
		"Queue length (messages)":                {"10 orange"},
		"Batch size (frames)":                    {"1 orange", "5 orange"},
		"Memory":                                 {"0 blue", "0.85 red"},
		"CPU":                                    {"0.8 red"},
		"Disk use":                               {"0.9 red"},
		"Alert frame_latency_p99 (critical)":     {"0.2 red"},
		"Alert memory_used (info)":               {"0 blue"},
	} {
		if !slices.Equal(lines[title], want) {
			t.Errorf("panel %q thresholds %v, want %v", title, lines[title], want)
		}
	}
	if units["Frame latency, capture to socket write"] != "s" || units["Memory"] != "percentunit" {
		t.Errorf("units: %v", units)
	}
	if !bytes.Contains(dashboard, []byte(`"query": "live"`)) {
		t.Error("the pipeline variable does not list the file's pipeline")
	}
}

// fakePlugin stands in for a plugin stage: like one, it is a Runner that
// streams messages to its plugin rather than processing them one by one.
type fakePlugin struct{}

func (fakePlugin) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	for m := range in {
		if err := out.Emit(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// TestDashboardRowsHaveTheirPanels: the batching row has its wait panel
// whatever the batcher's window, and a row of plugin stages has a
// processing time panel (their round trips).
func TestDashboardRowsHaveTheirPanels(t *testing.T) {
	reg := stages.Registry().Clone()
	reg.MustRegister(pipeline.Kind{Family: pipeline.FamilyStage, Name: "blur", Plugin: "blur",
		Stability: pipeline.StabilityAlpha, Summary: "A plugin stage.",
		New: func(*pipeline.Config, pipeline.Env) (any, error) { return fakePlugin{}, nil }})
	path := filepath.Join(t.TempDir(), "p.hcl")
	src := `pipeline "p" {
  capture "synthetic" {
    fps = 10
  }
  stage "blur" "soft" {}
  sink "discard" {}
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcl.Load(path, hcl.Options{Registry: reg})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var out bytes.Buffer
	if err := export.WriteGrafana(&out, export.Dashboard{Source: "p.hcl", Pipelines: cfg.Pipelines,
		Alerts: cfg.Alerts, Registry: cfg.Registry()}); err != nil {
		t.Fatal(err)
	}
	var model struct {
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(out.Bytes(), &model); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	exprs := map[string]string{}
	row := ""
	for _, p := range model.Panels {
		if p.Type == "row" {
			row = p.Title
			continue
		}
		rows[row] = append(rows[row], p.Title)
		for _, tg := range p.Targets {
			exprs[row+"/"+p.Title] += tg.Expr + "\n"
		}
	}
	if !slices.Contains(rows["Batching"], "Batch wait") {
		t.Errorf("batching row %v lacks the batch wait panel", rows["Batching"])
	}
	if !slices.Contains(rows["Processing stages"], "Processing time") ||
		!slices.Contains(rows["Processing stages"], "Plugin processes") {
		t.Errorf("plugin row %v lacks processing time or plugin health", rows["Processing stages"])
	}
	if e := exprs["Processing stages/Processing time"]; !strings.Contains(e, "streampipe_plugin_round_trip") ||
		!strings.Contains(e, `stage=~"soft"`) {
		t.Errorf("plugin processing time queries:\n%s", e)
	}
}
