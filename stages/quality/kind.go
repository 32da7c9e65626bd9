package quality

import (
	"errors"
	"fmt"
	"strings"

	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the quality stage kind, declared in HCL as `quality { ... }`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilyQuality,
	Summary:   "Split the stream into quality tiers by frame rate and size",
	Stability: pipeline.StabilityBeta,
	Doc: "Declares the quality tiers clients choose from. Each tier takes an " +
		"evenly spaced subset of the captured frames at its fps; a tier " +
		"with scale below 1 or with jpeg_quality is re-encoded (decoded " +
		"once per frame, encoded once per tier, shared by all its " +
		"clients). Without tier blocks the tiers are high 30 fps, medium " +
		"20 and low 10, frame rate only, each capped at the capture's rate.",
	Spec: pipeline.Spec{
		Attrs: []pipeline.Attr{{
			Name: "default",
			Type: pipeline.TypeString,
			Doc: "The tier for clients that ask for none or for an unknown " +
				"one. Defaults to the first tier.",
		}},
		Blocks: []pipeline.BlockSpec{{
			Name:   "tier",
			Labels: []string{"name"},
			Doc:    "One quality tier; the label is the name clients ask for.",
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{
					Name: "fps",
					Type: pipeline.TypeNumber,
					Doc: "Frames per second, at most the capture's. Frames are " +
						"chosen evenly by sequence number; the rest are skipped.",
					Required: true,
					Range:    "[0.001,240]",
				},
				{
					Name: "scale",
					Type: pipeline.TypeNumber,
					Doc: "Multiplies width and height. Below 1 the tier is " +
						"re-encoded, which costs a JPEG decode per frame and " +
						"a scale and encode per tier.",
					Default: 1.0,
					Range:   "(0,1]",
				},
				{
					Name: "jpeg_quality",
					Type: pipeline.TypeInt,
					Doc: "Re-encode at this JPEG quality (lower is smaller " +
						"and blockier). Unset: 75 when scaling, otherwise " +
						"frames pass through as captured.",
					Range: "[1,100]",
				},
			}},
		}},
	},
	Check: check,
	New:   newFromConfig,
}

// check is the Kind's Check: what the decoder cannot check and the
// capture's rate does not change. Tier names are present and unique, each
// tier has its fps (a hand-built Config may lack it), and the default
// names a tier.
func check(c *pipeline.Config) error {
	var errs []error
	byName := map[string]*pipeline.Config{}
	var names []string
	for _, b := range c.Blocks("tier") {
		name := b.Label(0)
		if name == "" {
			errs = append(errs, b.Errorf("", "Missing tier name",
				"A tier needs a name, the label clients ask for, such as tier \"high\"."))
			continue
		}
		if first, dup := byName[name]; dup {
			r := first.DefRange
			errs = append(errs, b.Errorf("", "Duplicate tier",
				"A tier called %q is already declared at %s:%d:%d. "+
					"Tier names must be unique; rename or remove one.",
				name, r.Filename, r.Start.Line, r.Start.Column))
			continue
		}
		byName[name] = b
		names = append(names, name)
		if b.Value("fps") == nil {
			errs = append(errs, b.Errorf("fps", "Missing tier fps",
				"Tier %q needs fps, its frame rate.", name))
		}
	}

	if def := c.String("default"); def != "" {
		if len(c.Blocks("tier")) == 0 {
			names = tierNames(DefaultTiers())
		}
		if !contains(names, def) {
			errs = append(errs, c.Errorf("default", "Unknown tier",
				"No tier is called %q.%s The tiers are %s.",
				def, suggest.DidYouMean(def, names), quoteList(names)))
		}
	}
	return errors.Join(errs...)
}

// newFromConfig is the Kind's factory. Besides check, it checks the tiers
// against the capture's rate.
func newFromConfig(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	capture := env.Upstream.FPS
	if !(capture > 0) {
		return nil, c.Errorf("", "Unknown capture frame rate",
			"The quality stage needs the capture's frame rate to choose frames for each tier, "+
				"but the capture does not declare one. Set fps on the capture.")
	}

	opts := Options{Default: c.String("default")}
	for _, b := range c.Blocks("tier") {
		name := b.Label(0)
		t := Tier{Name: name, FPS: b.Float("fps"), Scale: b.Float("scale")}
		if b.Value("jpeg_quality") != nil {
			t.JPEGQuality = b.Int("jpeg_quality")
		}
		if t.FPS > capture {
			return nil, b.Errorf("fps", "Tier faster than its capture",
				"Tier %q asks for %g fps, but the capture delivers %g fps "+
					"and a tier can only leave frames out. "+
					"Set fps to %g or less, or raise the capture's fps.",
				name, t.FPS, capture, capture)
		}
		if err := t.check(capture); err != nil {
			return nil, b.Errorf("", "Invalid tier", "%v.", err)
		}
		opts.Tiers = append(opts.Tiers, t)
	}

	s, err := New(opts, env)
	if err != nil {
		return nil, c.Errorf("", "Invalid quality settings", "%v.", err)
	}
	return s, nil
}

func tierNames(tiers []Tier) []string {
	names := make([]string, len(tiers))
	for i, t := range tiers {
		names[i] = t.Name
	}
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
