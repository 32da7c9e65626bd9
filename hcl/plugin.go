package hcl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// pluginDecl is a declared plugin. Whether or not its kind could be
// registered, stage blocks of its kind report no "unknown kind": a failed
// plugin is reported at its block.
type pluginDecl struct {
	name     string
	defRange hcl.Range
}

// LoadPlugins reads only the variable and plugin blocks of the file at
// path, and returns a Config without pipelines whose Registry holds the
// kinds of opts.Registry plus one stage kind per plugin block: what
// `streampipe stages FILE` lists. The diagnostics concern those blocks
// only.
//
// Describing a plugin means checking its program's sha256, when the block
// sets one, and starting the program once to ask for its schema, unless
// the plugin cache (see Options.PluginCacheDir) holds the schema of that
// build already, or Options.PluginCacheOnly forbids starting it. The
// program is stopped before LoadPlugins returns. Load does the same
// before it decodes the pipelines.
//
// LoadPlugins panics when opts.Registry is nil: that is a bug in the
// caller.
func LoadPlugins(path string, opts Options) (*Config, hcl.Diagnostics) {
	return load("LoadPlugins", path, opts, phasePlugins)
}

// decodePlugin decodes one plugin block, describes the plugin and
// registers the stage kind it provides.
func (l *loader) decodePlugin(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	p := &pluginDecl{name: name, defRange: b.DefRange}
	var diags hcl.Diagnostics

	// The name: an identifier, declared once, and not a built-in kind's.
	if !hclsyntax.ValidIdentifier(name) {
		diags = diags.Append(invalidName("plugin", name, b.LabelRanges[0]))
	}
	if first, dup := l.pluginByName[name]; dup {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate plugin",
			Detail: fmt.Sprintf("A plugin named %q was first declared at %s. Each plugin is "+
				"declared once, and every stage block of that kind runs its own process of "+
				"it; remove this block, or rename it to declare a second stage kind.",
				name, where(first.defRange)),
			Subject: b.LabelRanges[0].Ptr(),
		})
	} else {
		l.pluginByName[name] = p
		if _, taken := l.reg.Lookup(pipeline.FamilyStage, name); taken {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin name taken",
				Detail: fmt.Sprintf("This build of streampipe has a built-in stage kind %q, so a "+
					"plugin cannot declare it. Give the plugin another name, and use that name "+
					"in its stage blocks.", name),
				Subject: b.LabelRanges[0].Ptr(),
			})
		}
	}

	// A plugin whose name is wrong declares no stage kind.
	named := !diags.HasErrors()

	// The block's own settings, checked like a stage block's.
	spec := plugins.Spec()
	content, d := b.Body.Content(specSchema(spec, nil, nil))
	diags = diags.Extend(d)
	cfg := pipeline.NewConfig(spec, name)
	cfg.DefRange = toPipelineRange(b.DefRange)
	unknowns := l.unknowns
	diags = diags.Extend(l.decodeContent(content, cfg, b.DefRange, "plugin "+quoteLabels(b.Labels)))
	if !named || l.unknowns != unknowns || !describable(content, cfg) {
		return diags
	}
	// A mistake in a setting that only the running stage uses leaves the
	// plugin describable, so its stage blocks are still checked.
	partial := diags.HasErrors()
	decl, err := plugins.DeclFromConfig(name, cfg, l.dir)
	if partial && err != nil {
		err = decodedOnly(err)
	}
	if err != nil {
		return diags.Extend(configDiagnostics(err, b.DefRange, "Invalid plugin settings"))
	}

	// Describe the plugin: from the cache, or by starting it once.
	kind, err := l.describePlugin(decl)
	if err != nil {
		return diags.Append(refusal(name, err, content, b.DefRange))
	}
	if err := l.reg.Register(kind); err != nil {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid plugin schema",
			Detail: fmt.Sprintf("Plugin %q describes settings streampipe cannot use: %v. This is "+
				"a bug in the plugin; report it to its author.", name, err),
			Subject: attrRange(content, "command", b.DefRange).Ptr(),
		})
	}
	return diags
}

// describable reports whether the settings that describing a plugin uses
// (its program, its checksum and how long it may take to start) are
// either not written or decoded, so that the plugin may be asked for its
// schema even though other settings of its block are wrong.
func describable(content *hcl.BodyContent, cfg *pipeline.Config) bool {
	for _, name := range []string{"command", "sha256", "start_timeout"} {
		if _, written := content.Attributes[name]; written && !cfg.IsSet(name) {
			return false
		}
	}
	return cfg.IsSet("command")
}

// describePlugin returns the stage kind decl provides, with the options
// Load was given.
func (l *loader) describePlugin(decl plugins.Decl) (pipeline.Kind, error) {
	ctx := l.opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	opts := plugins.Options{
		Logger:    l.log.With("stage", decl.Name),
		CacheDir:  l.opts.PluginCacheDir,
		CacheOnly: l.opts.PluginCacheOnly,
	}
	switch {
	case l.opts.NoPluginCache:
		opts.CacheDir = ""
	case opts.CacheDir == "":
		opts.CacheDir = plugins.DefaultCacheDir()
	}
	describe := l.opts.DescribePlugin
	if describe == nil {
		describe = plugins.Kind
	}
	return describe(ctx, decl, opts)
}

// refusal turns the error of describing plugin name into a diagnostic on
// the attribute at fault: sha256 for a checksum mismatch, command for
// everything else, which is about the program it names. A plugin that was
// not started because Options.PluginCacheOnly forbids it is a warning:
// its stage blocks are not checked, which is not an error in the file.
func refusal(name string, err error, content *hcl.BodyContent, defRange hcl.Range) *hcl.Diagnostic {
	if errors.Is(err, plugins.ErrNotCached) {
		return &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Plugin not checked",
			Detail: fmt.Sprintf("The plugin cache has no schema for this build of plugin %q, and "+
				"-plugin-cache-only forbids starting its program to ask for one, so the stage blocks "+
				"of kind %q are not checked. Run once without -plugin-cache-only to fill the cache.",
				name, name),
			Subject: attrRange(content, "command", defRange).Ptr(),
		}
	}
	summary, attr := "Cannot start plugin", "command"
	switch {
	case errors.Is(err, plugins.ErrChecksum):
		summary, attr = "Plugin checksum mismatch", "sha256"
	case errors.Is(err, plugins.ErrProtocol):
		summary = "Incompatible plugin"
	case errors.Is(err, plugins.ErrStdout):
		summary = "Plugin wrote to stdout"
	}
	detail := fmt.Sprintf("Plugin %q could not be described: %v.", name, err)
	if se, ok := errors.AsType[*plugins.StartError](err); ok && se.Detail != "" {
		detail = sentence(fmt.Sprintf("Plugin %q: %s", name, se.Detail))
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  attrRange(content, attr, defRange).Ptr(),
	}
}

// sentence ends the first line of s with a full stop, unless it ends with
// punctuation already; the lines after it (a plugin's stderr) are kept as
// they are.
func sentence(s string) string {
	first, rest, multi := strings.Cut(s, "\n")
	first = strings.TrimRight(first, " ")
	if r, _ := utf8.DecodeLastRuneInString(first); !unicode.IsPunct(r) || r == ')' || r == '"' {
		first += "."
	}
	if multi {
		return first + "\n" + rest
	}
	return first
}

// attrRange is where the attribute is written, or defRange when it is not.
func attrRange(content *hcl.BodyContent, name string, defRange hcl.Range) hcl.Range {
	if a, ok := content.Attributes[name]; ok {
		return a.Expr.Range()
	}
	return defRange
}

// configDiagnostics places the *pipeline.ConfigError values in err at their
// attributes; other errors go to defRange with summary.
func configDiagnostics(err error, defRange hcl.Range, summary string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range leafErrors(err) {
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: sentence(e.Error()),
			Subject: defRange.Ptr()}
		if ce, ok := errors.AsType[*pipeline.ConfigError](e); ok && ce.Config != nil {
			d.Detail = ce.Detail
			if ce.Summary != "" {
				d.Summary = ce.Summary
			}
			if rng := toHCLRange(ce.Range()); rng.Filename != "" {
				d.Subject = rng.Ptr()
			}
		}
		diags = diags.Append(d)
	}
	return diags
}

// unknownStageKind reports a stage block whose kind is neither built in
// nor declared by a plugin block. It returns nil when a plugin block
// declares the kind but failed: that is reported at the plugin block.
func (l *loader) unknownStageKind(b *hcl.Block) *hcl.Diagnostic {
	kind := b.Labels[0]
	if _, declared := l.pluginByName[kind]; declared {
		return nil
	}
	names := l.reg.Names(pipeline.FamilyStage)
	for n := range l.pluginByName {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)

	var detail string
	if len(names) == 0 {
		detail = fmt.Sprintf("There is no stage kind %q: stage blocks run plugins, and this file "+
			"declares none. Declare the plugin at the top level of the file, for example "+
			"plugin %q { command = [\"./bin/%s\"] }.", kind, kind, kind)
	} else {
		fix := suggest.DidYouMean(kind, names)
		if fix == "" {
			fix = fmt.Sprintf(" Use one of those, or declare the plugin at the top level of the "+
				"file with a plugin %q { ... } block.", kind)
		}
		kinds := "The stage kinds of this file, built in or declared by its plugin " +
			"blocks, are"
		if len(names) == 1 {
			kinds = "The only stage kind of this file, built in or declared by its " +
				"plugin blocks, is"
		}
		detail = fmt.Sprintf("There is no stage kind %q. %s %s.%s",
			kind, kinds, quoteAll(names), fix)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown stage kind",
		Detail:   detail,
		Subject:  b.LabelRanges[0].Ptr(),
	}
}
