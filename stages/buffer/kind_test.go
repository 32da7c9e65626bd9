package buffer_test

import (
	"errors"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/buffer"
)

func TestKindDefaults(t *testing.T) {
	st, err := buffer.Kind.New(pipeline.NewConfig(buffer.Kind.Spec), pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	b, ok := st.(*buffer.Buffer)
	if !ok {
		t.Fatalf("factory built %T, want *buffer.Buffer", st)
	}
	if n, c := b.QueueLen(); n != 0 || c != 10 {
		t.Errorf("QueueLen = %d, %d; want 0, 10", n, c)
	}
	if err := pipeline.NewRegistry().Register(buffer.Kind); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestKindErrors(t *testing.T) {
	tests := []struct {
		name, attr string
		value      any
	}{
		{"capacity zero", "capacity", 0},
		{"capacity too large", "capacity", 100001},
		{"unknown policy", "on_full", "drop_all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pipeline.NewConfig(buffer.Kind.Spec).Set(tt.attr, tt.value, pipeline.Range{Filename: "p.hcl"})
			_, err := buffer.Kind.New(c, pipeline.Env{})
			var ce *pipeline.ConfigError
			if !errors.As(err, &ce) || ce.Attr != tt.attr {
				t.Fatalf("error = %v, want a ConfigError on %s", err, tt.attr)
			}
		})
	}
}
