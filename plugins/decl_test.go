package plugins_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

func TestDeclFromConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     map[string]any
		check   func(t *testing.T, d plugins.Decl)
		errAttr string
	}{
		{"defaults", map[string]any{"command": []string{"./bin/x"}}, func(t *testing.T, d plugins.Decl) {
			if d.BatchTimeout != time.Second || d.MaxRestarts != plugins.DefaultMaxRestarts ||
				d.OnFailure != plugins.PolicyStop || d.MaxMessageSize != 64<<20 || d.InFlight != 4 || d.Dir != "/cfg" {
				t.Errorf("decl %+v", d)
			}
		}, ""},
		{"no restarts", map[string]any{"command": []string{"x"}, "max_restarts": 0, "on_failure": "pass"}, func(t *testing.T, d plugins.Decl) {
			if d.MaxRestarts != plugins.NoRestarts || d.OnFailure != plugins.PolicyPass {
				t.Errorf("decl %+v", d)
			}
		}, ""},
		{"sha256 upper case", map[string]any{"command": []string{"x"}, "sha256": strings.Repeat("AB", 32)}, func(t *testing.T, d plugins.Decl) {
			if d.SHA256 != strings.Repeat("ab", 32) {
				t.Errorf("sha256 %q", d.SHA256)
			}
		}, ""},
		{"bad sha256", map[string]any{"command": []string{"x"}, "sha256": "abc"}, nil, "sha256"},
		{"empty command", map[string]any{"command": []string{}}, nil, "command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := pipeline.NewConfig(plugins.Spec(), "p")
			for k, v := range tc.set {
				c.Set(k, v, pipeline.Range{Start: pipeline.Pos{Line: 3}})
			}
			d, err := plugins.DeclFromConfig("p", c, "/cfg")
			if tc.errAttr != "" {
				var ce *pipeline.ConfigError
				if !errors.As(err, &ce) || ce.Attr != tc.errAttr || ce.Range().Start.Line != 3 {
					t.Fatalf("error %v, want a config error on %s", err, tc.errAttr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, d)
		})
	}
	if err := pipeline.NewRegistry().Register(pipeline.Kind{Family: pipeline.FamilyStage, Name: "spec-check",
		Spec: plugins.Spec(), New: func(*pipeline.Config, pipeline.Env) (any, error) { return nil, nil }}); err != nil {
		t.Errorf("the plugin block's spec is malformed: %v", err)
	}
}
