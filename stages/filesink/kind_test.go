package filesink_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/filesink"
)

func TestKindBuildsSink(t *testing.T) {
	c := pipeline.NewConfig(filesink.Kind.Spec).Set("path", "rec.mjpeg", pipeline.Range{})
	st, err := filesink.Kind.New(c, pipeline.Env{Upstream: tiered})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := st.(*filesink.Sink); !ok || s.Tier() != "high" {
		t.Fatalf("factory built %#v, want a *filesink.Sink recording high", st)
	}
	if err := pipeline.NewRegistry().Register(filesink.Kind); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestKindErrors(t *testing.T) {
	r := pipeline.Range{Filename: "p.hcl", Start: pipeline.Pos{Line: 9, Column: 5}}
	tests := []struct {
		name     string
		set      map[string]any
		upstream pipeline.StreamInfo
		// local errors do not depend on the stream, so Check finds them.
		local  bool
		attr   string
		detail []string
	}{
		{"missing path", map[string]any{}, tiered, true, "path", []string{"needs path"}},
		{"empty path", map[string]any{"path": ""}, tiered, true, "path", []string{"needs path"}},
		{"typo in tier", map[string]any{"path": "x", "tier": "hihg"}, tiered, false, "tier",
			[]string{`No tier is called "hihg".`, `Did you mean "high"?`, `"high", "low"`}},
		{"far-off tier", map[string]any{"path": "x", "tier": "ultra"}, tiered, false, "tier",
			[]string{`No tier is called "ultra". The tiers are`}},
		{"untiered stream", map[string]any{"path": "x", "tier": "high"}, pipeline.StreamInfo{}, false, "tier",
			[]string{"no quality tiers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pipeline.NewConfig(filesink.Kind.Spec)
			for k, v := range tt.set {
				c.Set(k, v, r)
			}
			_, err := filesink.Kind.New(c, pipeline.Env{Upstream: tt.upstream})
			switch checkErr := filesink.Kind.Check(c); {
			case tt.local && (checkErr == nil || checkErr.Error() != err.Error()):
				t.Errorf("Check: %v; the factory says %v", checkErr, err)
			case !tt.local && checkErr != nil:
				t.Errorf("Check: %v, want nil: the error depends on the stream", checkErr)
			}
			var ce *pipeline.ConfigError
			if !errors.As(err, &ce) || ce.Attr != tt.attr {
				t.Fatalf("error = %v, want a ConfigError on %s", err, tt.attr)
			}
			for _, d := range tt.detail {
				if !strings.Contains(ce.Detail, d) {
					t.Errorf("detail %q lacks %q", ce.Detail, d)
				}
			}
		})
	}
}

func TestKindMarksPathExclusive(t *testing.T) {
	a, ok := filesink.Kind.Spec.Attr("path")
	if !ok || a.Exclusive != pipeline.ResourceFile {
		t.Errorf("path: Exclusive = %q, want %q", a.Exclusive, pipeline.ResourceFile)
	}
}
