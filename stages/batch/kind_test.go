package batch_test

import (
	"errors"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
)

func TestKindDefaults(t *testing.T) {
	st, err := batch.Kind.New(pipeline.NewConfig(batch.Kind.Spec), pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	b, ok := st.(*batch.Batcher)
	if !ok {
		t.Fatalf("factory built %T, want *batch.Batcher", st)
	}
	if got := b.Describe(pipeline.StreamInfo{}).Batch; got != (pipeline.BatchInfo{MinSize: 1, MaxSize: 5}) {
		t.Errorf("batching = %+v, want window 0, min 1, max 5", got)
	}
	if err := pipeline.NewRegistry().Register(batch.Kind); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestKindErrors(t *testing.T) {
	r := pipeline.Range{Filename: "p.hcl", Start: pipeline.Pos{Line: 4, Column: 3}}
	tests := []struct {
		name string
		set  map[string]any
		attr string
	}{
		{"max below min", map[string]any{"min_size": 4, "max_size": 3}, "max_size"},
		{"max below default min", map[string]any{"min_size": 6}, "max_size"},
		{"zero min", map[string]any{"min_size": 0}, "min_size"},
		{"negative window", map[string]any{"window": -time.Second}, "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pipeline.NewConfig(batch.Kind.Spec)
			for k, v := range tt.set {
				c.Set(k, v, r)
			}
			// The checks depend on no upstream, so Check makes them too,
			// and the factory the same way.
			if err := batch.Kind.Check(c); !isConfigErrorOn(err, tt.attr) {
				t.Errorf("Check: %v, want a ConfigError on %s", err, tt.attr)
			}
			_, err := batch.Kind.New(c, pipeline.Env{})
			var ce *pipeline.ConfigError
			if !errors.As(err, &ce) || ce.Attr != tt.attr {
				t.Fatalf("error = %v, want a ConfigError on %s", err, tt.attr)
			}
			if tt.attr == "max_size" && ce.Range().Start.Line != 4 && tt.set["max_size"] != nil {
				t.Errorf("error placed at %+v, want line 4", ce.Range())
			}
		})
	}
}

func TestKindCheckReportsEverything(t *testing.T) {
	r := pipeline.Range{Filename: "p.hcl", Start: pipeline.Pos{Line: 4, Column: 3}}
	c := pipeline.NewConfig(batch.Kind.Spec)
	c.Set("window", -time.Second, r).Set("min_size", 4, r).Set("max_size", 3, r)
	err := batch.Kind.Check(c)
	for _, attr := range []string{"window", "max_size"} {
		if !isConfigErrorOn(err, attr) {
			t.Errorf("Check: %v, want a ConfigError on %s", err, attr)
		}
	}
	if err := batch.Kind.Check(pipeline.NewConfig(batch.Kind.Spec)); err != nil {
		t.Errorf("Check of the defaults: %v", err)
	}
}

// isConfigErrorOn reports whether err is or joins a ConfigError about
// attr.
func isConfigErrorOn(err error, attr string) bool {
	if ce, ok := err.(*pipeline.ConfigError); ok {
		return ce.Attr == attr
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if isConfigErrorOn(e, attr) {
				return true
			}
		}
	}
	return false
}
