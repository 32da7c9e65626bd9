package filesink

import (
	"fmt"
	"strings"

	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the file sink kind, declared in HCL as `sink "file" { ... }`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilySink,
	Name:      "file",
	Summary:   "Record one quality tier to an MJPEG file or a JPEG directory",
	Stability: pipeline.StabilityBeta,
	Doc: "Writes the frames of one tier to disk, byte for byte as they " +
		"arrive: one MJPEG file (JPEGs back to back, replaced if it exists) " +
		"or a directory of JPEG files named by sequence number. A write " +
		"error stops the pipeline.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "path",
			Type: pipeline.TypePath,
			Doc: "The MJPEG file, or for format jpeg the directory (created " +
				"if missing). Relative to the configuration file.",
			Required:  true,
			Exclusive: pipeline.ResourceFile,
		},
		{
			Name: "format",
			Type: pipeline.TypeString,
			Doc: "mjpeg: one file of JPEGs back to back. jpeg: one file per " +
				"frame, %010d.jpg by sequence number.",
			Default: string(MJPEG),
			OneOf:   []string{string(MJPEG), string(JPEG)},
		},
		{
			Name: "tier",
			Type: pipeline.TypeString,
			Doc:  "The quality tier to record. Defaults to the stream's first (default) tier.",
		},
	}},
	Check: check,
	New:   newFromConfig,
}

// check is the Kind's Check: a path is given (the decoder lets path = ""
// through).
func check(c *pipeline.Config) error {
	if c.String("path") == "" {
		return c.Errorf("path", "Missing path",
			"The file sink needs path: the file (or, for format jpeg, the directory) to write.")
	}
	return nil
}

// newFromConfig is the Kind's factory. Besides check, it checks the tier
// and the content type against the stream.
func newFromConfig(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	opts := Options{
		Path:   c.String("path"),
		Format: Format(c.String("format")),
		Tier:   c.String("tier"),
	}
	if opts.Tier != "" {
		if _, ok := env.Upstream.Tier(opts.Tier); !ok {
			return nil, c.Errorf("tier", "Unknown tier", "%s", unknownTier(opts.Tier, env.Upstream.Tiers))
		}
	}
	if ct := env.Upstream.ContentType; ct != "" && ct != pipeline.ContentTypeJPEG {
		return nil, c.Errorf("format", "Stream is not JPEG",
			"The stream carries %s; the file sink writes JPEG frames only.", ct)
	}
	s, err := New(opts, env)
	if err != nil {
		return nil, c.Errorf("", "Invalid file sink settings", "%v.", err)
	}
	return s, nil
}

// unknownTier explains that no tier is called name, suggesting the
// closest one.
func unknownTier(name string, tiers []pipeline.TierInfo) string {
	if len(tiers) == 0 {
		return fmt.Sprintf("The stream has no quality tiers, so there is no tier %q to record. "+
			"Remove tier.", name)
	}
	names, quoted := make([]string, len(tiers)), make([]string, len(tiers))
	for i, t := range tiers {
		names[i], quoted[i] = t.Name, fmt.Sprintf("%q", t.Name)
	}
	return fmt.Sprintf("No tier is called %q.%s The tiers are %s.", name, suggest.DidYouMean(name, names),
		strings.Join(quoted, ", "))
}
