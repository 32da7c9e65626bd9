package quality_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/quality"
)

// at returns a range on the given line of p.hcl.
func at(line int) pipeline.Range {
	return pipeline.Range{
		Filename: "p.hcl",
		Start:    pipeline.Pos{Line: line, Column: 3},
		End:      pipeline.Pos{Line: line, Column: 12},
	}
}

// tierBlock returns a tier block declared on line with the given fps.
func tierBlock(name string, line int, fps float64) *pipeline.Config {
	spec, _ := quality.Kind.Spec.Block("tier")
	b := pipeline.NewConfig(spec.Spec, name)
	b.DefRange = at(line)
	return b.Set("fps", fps, at(line+1))
}

func config(tiers ...*pipeline.Config) *pipeline.Config {
	c := pipeline.NewConfig(quality.Kind.Spec)
	c.DefRange = at(1)
	for _, b := range tiers {
		c.AddBlock("tier", b)
	}
	return c
}

func env(fps float64) pipeline.Env {
	return pipeline.Env{Upstream: pipeline.StreamInfo{FPS: fps}}
}

func TestKindBuildsStage(t *testing.T) {
	half := tierBlock("half", 5, 15).Set("scale", 0.5, at(7)).Set("jpeg_quality", 60, at(8))
	c := config(tierBlock("full", 2, 30), half).Set("default", "half", at(10))
	st, err := quality.Kind.New(c, env(30))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := st.(*quality.Stage)
	if !ok {
		t.Fatalf("factory built %T, want *quality.Stage", st)
	}
	tiers := s.Tiers()
	if len(tiers) != 2 || tiers[0] != (pipeline.TierInfo{Name: "half", FPS: 15, Scale: 0.5, JPEGQuality: 60}) ||
		tiers[1] != (pipeline.TierInfo{Name: "full", FPS: 30, Scale: 1}) {
		t.Errorf("tiers = %+v", tiers)
	}
	if err := pipeline.NewRegistry().Register(quality.Kind); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestKindDefaultTiers(t *testing.T) {
	st, err := quality.Kind.New(config().Set("default", "low", at(2)), env(25))
	if err != nil {
		t.Fatal(err)
	}
	tiers := st.(*quality.Stage).Tiers()
	if len(tiers) != 3 || tiers[0].Name != "low" || tiers[1].Name != "high" || tiers[1].FPS != 25 {
		t.Errorf("tiers = %+v", tiers)
	}
}

func TestKindErrors(t *testing.T) {
	dup := tierBlock("high", 6, 10)
	tests := []struct {
		name    string
		c       *pipeline.Config
		capture float64
		// local errors do not depend on the capture, so Check finds
		// them too.
		local    bool
		wantAttr string
		wantLine int
		summary  string
		detail   []string
	}{
		{
			name:     "tier faster than capture",
			c:        config(tierBlock("high", 2, 60)),
			capture:  30,
			wantAttr: "fps", wantLine: 3,
			summary: "Tier faster than its capture",
			detail:  []string{"60 fps", "capture delivers 30 fps", "Set fps to 30 or less"},
		},
		{
			name:     "duplicate tier",
			c:        config(tierBlock("high", 2, 30), dup),
			capture:  30,
			local:    true,
			wantAttr: "", wantLine: 6,
			summary: "Duplicate tier",
			detail:  []string{`"high"`, "already declared at p.hcl:2:3"},
		},
		{
			name:     "bad default",
			c:        config(tierBlock("high", 2, 30), tierBlock("low", 4, 10)).Set("default", "hihg", at(8)),
			capture:  30,
			local:    true,
			wantAttr: "default", wantLine: 8,
			summary: "Unknown tier",
			detail:  []string{`"hihg"`, `Did you mean "high"?`, `"high", "low"`},
		},
		{
			name:     "bad default among the default tiers",
			c:        config().Set("default", "meduim", at(3)),
			capture:  30,
			local:    true,
			wantAttr: "default", wantLine: 3,
			summary: "Unknown tier",
			detail:  []string{`Did you mean "medium"?`},
		},
		{
			name:     "unknown capture rate",
			c:        config(),
			capture:  0,
			wantAttr: "", wantLine: 1,
			summary: "Unknown capture frame rate",
			detail:  []string{"Set fps on the capture"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch err := quality.Kind.Check(tt.c); {
			case tt.local && err == nil:
				t.Error("Check found nothing")
			case tt.local && err.Error() != fmt.Sprint(mustNew(tt.c, tt.capture)):
				t.Errorf("Check: %v; the factory says %v", err, mustNew(tt.c, tt.capture))
			case !tt.local && err != nil:
				t.Errorf("Check: %v, want nil: the error depends on the capture", err)
			}
			_, err := quality.Kind.New(tt.c, env(tt.capture))
			var ce *pipeline.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *pipeline.ConfigError", err)
			}
			if ce.Attr != tt.wantAttr || ce.Range().Start.Line != tt.wantLine || ce.Summary != tt.summary {
				t.Errorf("error on %q at line %d (%q), want %q at line %d (%q)",
					ce.Attr, ce.Range().Start.Line, ce.Summary, tt.wantAttr, tt.wantLine, tt.summary)
			}
			for _, d := range tt.detail {
				if !strings.Contains(ce.Detail, d) {
					t.Errorf("detail %q lacks %q", ce.Detail, d)
				}
			}
		})
	}
	// The duplicate is reported on the second block, not the first.
	_, err := quality.Kind.New(config(tierBlock("high", 2, 30), dup), env(30))
	if ce := (*pipeline.ConfigError)(nil); !errors.As(err, &ce) || ce.Config != dup {
		t.Errorf("duplicate reported on %v, want the second tier block", err)
	}
}

// mustNew returns the factory's error.
func mustNew(c *pipeline.Config, capture float64) error {
	_, err := quality.Kind.New(c, env(capture))
	return err
}

func TestKindCheckReportsEverything(t *testing.T) {
	spec, _ := quality.Kind.Spec.Block("tier")
	noFPS := pipeline.NewConfig(spec.Spec, "low")
	noName := tierBlock("", 8, 10)
	c := config(tierBlock("high", 2, 30), tierBlock("high", 4, 20), noFPS, noName).
		Set("default", "ultra", at(10))
	err := quality.Kind.Check(c)
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Check: %v, want several errors", err)
	}
	var got []string
	for _, e := range j.Unwrap() {
		got = append(got, e.(*pipeline.ConfigError).Summary)
	}
	want := []string{"Duplicate tier", "Missing tier fps", "Missing tier name", "Unknown tier"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Check reports %q, want %q", got, want)
	}

	for _, c := range []*pipeline.Config{config(), config(tierBlock("high", 2, 60))} {
		if err := quality.Kind.Check(c); err != nil {
			t.Errorf("Check: %v, want nil", err)
		}
	}
}
