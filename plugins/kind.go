package plugins

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// Options tune how plugins are described.
type Options struct {
	// Logger receives the plugin's log lines while it is started to read
	// its schema. Nil discards them.
	Logger *slog.Logger
	// CacheDir, when not empty, keeps each plugin's description (its
	// schema) keyed by the executable's SHA-256 and the files its command
	// names (see docs/plugins.md for what the key covers), so `streampipe
	// validate` starts a plugin only the first time it sees that build.
	// Use [DefaultCacheDir] or a directory of your own.
	CacheDir string
	// CacheOnly never starts a plugin: a description not in CacheDir is
	// an error wrapping [ErrNotCached].
	CacheOnly bool
}

// Kind describes the plugin declared by d and returns the stage kind it
// provides: Family pipeline.FamilyStage, Name and Plugin d.Name, the
// plugin's summary, doc and stability, and a Spec converted from the
// plugin's schema, so the loader decodes `stage "NAME" "LABEL" { ... }`
// bodies against it exactly as for built-in kinds. The description comes
// from opts.CacheDir when it holds this build, and otherwise from starting
// the plugin once (after checking d.SHA256) and asking it.
//
// The kind's factory builds a supervised plugin stage (a pipeline.Runner,
// Starter and Closer) without starting anything: the process starts in
// Start. Errors are *StartError values for plugins that cannot be started
// or described.
func Kind(ctx context.Context, d Decl, opts Options) (pipeline.Kind, error) {
	d = d.withDefaults()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	prog, err := resolveProgram(d)
	if err != nil {
		return pipeline.Kind{}, err
	}

	desc, err := describe(ctx, d, prog, opts, log)
	if err != nil {
		return pipeline.Kind{}, err
	}
	spec, err := wire.SchemaFromProto(desc.GetSchema())
	if err != nil {
		return pipeline.Kind{}, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("the plugin declares a malformed schema (%v); report this to its author", err)}
	}
	stability := pipeline.Stability(desc.GetStability())
	switch stability {
	case pipeline.StabilityDevelopment, pipeline.StabilityAlpha, pipeline.StabilityBeta,
		pipeline.StabilityStable, pipeline.StabilityDeprecated:
	default:
		stability = pipeline.StabilityDevelopment
	}
	summary := desc.GetSummary()
	if summary == "" {
		summary = fmt.Sprintf("Plugin stage %s %s.", desc.GetName(), desc.GetVersion())
	}
	return pipeline.Kind{
		Family:    pipeline.FamilyStage,
		Name:      d.Name,
		Summary:   summary,
		Doc:       desc.GetDoc(),
		Stability: stability,
		Spec:      spec,
		Plugin:    d.Name,
		New: func(c *pipeline.Config, env pipeline.Env) (any, error) {
			return newStage(d, prog, desc, c, env)
		},
	}, nil
}

// describe returns the plugin's description, from the cache or by
// starting it.
func describe(ctx context.Context, d Decl, prog program, opts Options, log *slog.Logger) (*pb.DescribeResponse, error) {
	var key string
	if opts.CacheDir != "" {
		sum := prog.sum
		if sum == nil {
			var err error
			if sum, err = fileSHA256(prog.path); err != nil {
				return nil, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
					Detail: fmt.Sprintf("reading %s: %v", prog.path, err)}
			}
		}
		key = cacheKey(prog, hex.EncodeToString(sum))
		if desc, ok := readCache(opts.CacheDir, key); ok {
			return desc, nil
		}
	}
	if opts.CacheOnly {
		return nil, &StartError{Plugin: d.Name, Kind: ErrNotCached,
			Detail: fmt.Sprintf("the plugin cache has no description of this build of %s, and it may not be "+
				"started to ask for one", filepath.Base(prog.path))}
	}

	proc, err := startProcess(prog, d.StartTimeout, d.MaxMessageSize, log)
	if err != nil {
		return nil, err
	}
	defer proc.stop()
	callCtx, cancel := proc.startContext(ctx)
	defer cancel()
	desc, err := proc.conn.Stage.Describe(callCtx, &pb.DescribeRequest{})
	if err != nil {
		return nil, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
			Detail: proc.callFailed(ctx, "Describe", d.StartTimeout, err)}
	}
	if key != "" {
		if err := writeCache(opts.CacheDir, key, desc); err != nil {
			log.Warn("plugin schema cache not written", "error", err)
		}
	}
	return desc, nil
}
