package plugins_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// binDir holds the test programs, built once per test binary.
var (
	binDir   string
	binMu    sync.Mutex
	binBuilt = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plugins-test-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	plugins.CleanupAll()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles the package at pkg (relative to the repository root)
// once and returns the binary's path.
func build(t testing.TB, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binBuilt[pkg]; ok {
		return p
	}
	goBin := testenv.Program(t, "go")
	out := filepath.Join(binDir, strings.ReplaceAll(pkg, "/", "_"))
	cmd := exec.Command(goBin, "build", "-o", out, "./"+pkg)
	cmd.Dir = testenv.RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	binBuilt[pkg] = out
	return out
}

func behave(t testing.TB) string { return build(t, "plugins/testdata/behave") }

// logBuffer collects log records for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testStage builds a plugin stage for a test pipeline.
type testStage struct {
	stage *plugins.Stage
	stats *pipeline.Stats
	logs  *logBuffer
	kind  pipeline.Kind
}

func newTestStage(t *testing.T, d plugins.Decl, settings map[string]any) *testStage {
	t.Helper()
	// Tests run on loaded machines: unless a test is about the timeout, a
	// slow batch must not count as a hung plugin.
	if d.BatchTimeout == 0 {
		d.BatchTimeout = 10 * time.Second
	}
	logs := &logBuffer{}
	kind, err := plugins.Kind(context.Background(), d, plugins.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatalf("Kind: %v", err)
	}
	c := pipeline.NewConfig(kind.Spec, "test")
	for k, v := range settings {
		c.Set(k, v, pipeline.Range{Filename: "pipeline.hcl", Start: pipeline.Pos{Line: 7, Column: 5}})
	}
	stats := pipeline.NewStats("t", "plug", pipeline.FamilyStage, d.Name)
	st, err := kind.New(c, pipeline.Env{
		Pipeline: "t", Stage: "plug", Report: stats,
		Logger: logs.logger().With("pipeline", "t", "stage", "plug"),
	})
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	return &testStage{stage: st.(*plugins.Stage), stats: stats, logs: logs, kind: kind}
}

// source emits frames made by payload, every interval (0: as fast as
// possible), until n frames (n < 0: until cancelled).
type source struct {
	n        int
	interval time.Duration
	payload  func(seq uint64) []byte
}

func (s source) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for i := 0; s.n < 0 || i < s.n; i++ {
		n := seq.Next()
		f := pipeline.NewFrame(n, time.Now(), pipeline.ContentTypeJPEG, s.payload(n))
		if err := out.Emit(ctx, pipeline.Single("high", f)); err != nil {
			return nil
		}
		if s.interval > 0 {
			select {
			case <-time.After(s.interval):
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

func seqPayload(seq uint64) []byte { return []byte("frame-" + strconv.FormatUint(seq, 10)) }

// sink records every frame it receives.
type sink struct {
	mu     sync.Mutex
	frames []*pipeline.Frame
	tiers  []string
	count  atomic.Int64
}

func (s *sink) Consume(_ context.Context, m pipeline.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range m.Frames {
		s.frames = append(s.frames, f)
		s.tiers = append(s.tiers, m.Tier)
	}
	s.count.Add(int64(len(m.Frames)))
	return nil
}

func (s *sink) snapshot() []*pipeline.Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*pipeline.Frame(nil), s.frames...)
}

// run builds capture -> plugin stage -> sink and runs it until the source
// ends or ctx is cancelled.
func runPipeline(ctx context.Context, t *testing.T, src source, ts *testStage, snk *sink) error {
	t.Helper()
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Stage: src},
		{Name: "plug", Family: pipeline.FamilyStage, Kind: ts.kind.Name, Stage: ts.stage, Stats: ts.stats},
		{Name: "sink", Family: pipeline.FamilySink, Stage: snk},
	}, pipeline.Options{DrainTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p.Run(ctx)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
