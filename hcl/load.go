package hcl

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
	"github.com/streampipe/streampipe/telemetry"
	"go.opentelemetry.io/otel/metric"
)

// Options control how Load reads a configuration file.
type Options struct {
	// Registry resolves stage kinds. Required.
	Registry *pipeline.Registry
	// Vars holds "name=value" pairs from -var flags, in command-line order;
	// later ones win.
	Vars []string
	// VarFiles lists -var-file paths, in command-line order; later files
	// win. A file is HCL (name = value lines), or JSON when its name ends
	// in .json.
	VarFiles []string
	// Environ is the process environment, as from os.Environ. Entries
	// STREAMPIPE_VAR_<name>=<value> set variables; other entries, and
	// entries naming undeclared variables, are ignored.
	Environ []string
	// Logger is the base logger of every stage; each stage gets one that
	// carries its pipeline and stage names. The log lines of plugins
	// started to read their schemas go to it too. Nil discards logs.
	Logger *slog.Logger

	// Context bounds the plugin programs Load starts to read their
	// schemas (see [LoadPlugins]); when it ends, those still starting are
	// stopped and reported. Nil means context.Background().
	Context context.Context
	// PluginCacheDir keeps the schema of each plugin, keyed by the
	// SHA-256 of its program and the files its command names, so that
	// Load starts a build of a plugin only the first time it sees it.
	// Empty means plugins.DefaultCacheDir(), the user's cache directory.
	PluginCacheDir string
	// NoPluginCache starts every declared plugin to read its schema, and
	// neither reads nor writes a cache.
	NoPluginCache bool
	// PluginCacheOnly starts no plugin program: a plugin whose schema is
	// not in the cache is reported with a warning ("Plugin not checked")
	// and the stage blocks of its kind are not checked. It excludes
	// NoPluginCache.
	PluginCacheOnly bool
	// DescribePlugin returns the stage kind a plugin block declares. Nil
	// means plugins.Kind, which checks the program's sha256 and starts it
	// (or reads its schema from the cache). Programs that must not run
	// what a file names, such as fuzz tests, replace it.
	DescribePlugin func(ctx context.Context, d plugins.Decl, o plugins.Options) (pipeline.Kind, error)

	// Meter goes into every stage's pipeline.Env, for the instruments of
	// the facts only a stage knows (telemetry.Telemetry.Meter). Nil turns
	// those off.
	Meter metric.Meter
	// Status goes into every stage's pipeline.Env: the /status handler,
	// which the WebSocket sink's viewer reads. Nil leaves it out.
	Status http.Handler
	// TelemetryListen, when not empty, is the telemetry server's address
	// from the command line (-telemetry-listen), which replaces the
	// telemetry block's: a stage listening on it is reported. "off"
	// claims no address.
	TelemetryListen string
}

// Config is a loaded, checked configuration file.
type Config struct {
	// Pipelines holds the built pipelines in file order. When Load reports
	// errors it holds only the pipelines that built cleanly, and the
	// configuration must not be run.
	Pipelines []*pipeline.Pipeline
	// Telemetry is the file's telemetry block, or nil when it has none
	// (the defaults of telemetry.Config apply then).
	Telemetry *telemetry.Config
	// Alerts is the rule set to evaluate: the file's alert blocks, and
	// the default rule set when the file declares no alert block or its
	// alerts block sets defaults = true (see docs/alerts.md).
	Alerts alerting.Config

	files    map[string]*hcl.File
	registry *pipeline.Registry
}

// Files returns every source the diagnostics of Load may point into,
// keyed by the filename in their ranges: the configuration file, the
// -var-file files, and the synthetic sources of -var and environment
// values. Pass it to WriteDiagnostics or NewValidateReport.
func (c *Config) Files() map[string]*hcl.File {
	return c.files
}

// Registry returns the stage kinds the file was decoded against: those of
// Options.Registry plus the stage kind of each plugin block that could be
// described. It is a copy; Options.Registry is never changed.
func (c *Config) Registry() *pipeline.Registry {
	return c.registry
}

// envPrefix starts the environment variables that set variables.
const envPrefix = "STREAMPIPE_VAR_"

// loader holds the state of one Load call.
type loader struct {
	opts   Options
	reg    *pipeline.Registry
	log    *slog.Logger
	parser *hclparse.Parser
	// synthetic holds the sources of -var and environment values, parsed
	// under made-up filenames so that their diagnostics have snippets.
	synthetic map[string]*hcl.File
	// path is the configuration file as given; dir is its directory made
	// absolute, against which relative paths resolve.
	path, dir string

	vars     []*variable
	varIndex map[string]*variable
	ctx      *hcl.EvalContext
	// unknowns counts attributes left unset because their value was
	// unknown (it refers to a variable without a valid value).
	unknowns int

	pipelines    []*pipelineDecl
	pipelineByID map[string]*pipelineDecl

	pluginByName map[string]*pluginDecl

	telemetry      *telemetry.Config
	telemetryRange *hcl.Range
	// telemetryConfig is the decoded telemetry block, for checkExclusive;
	// nil unless the block is valid.
	telemetryConfig *pipeline.Config

	alerts      *alertDecls
	alertConfig alerting.Config

	// lastPhase is the last decoding phase to run; allPhases runs them
	// all.
	lastPhase int
}

// allPhases as loader.lastPhase decodes every block of the file.
const allPhases = -1

// Load reads, decodes and builds the configuration file at path. It returns
// every problem it finds at once, each placed in the file; on errors the
// returned Config may be partial and must not be run. The returned Config is
// never nil, so that its Files can render the diagnostics.
//
// Load calls each stage kind's factory, which must not touch the outside
// world; nothing runs until a pipeline's Run is called.
//
// Each plugin block is described while loading (see [LoadPlugins]), and
// its stage kind added to a copy of opts.Registry; opts.Registry itself is
// never changed.
//
// Load panics when opts.Registry is nil: that is a bug in the caller.
func Load(path string, opts Options) (*Config, hcl.Diagnostics) {
	return load("Load", path, opts, allPhases)
}

func load(caller, path string, opts Options, lastPhase int) (*Config, hcl.Diagnostics) {
	if opts.Registry == nil {
		panic("hcl: " + caller + ": Options.Registry is nil")
	}
	l := &loader{
		opts:         opts,
		reg:          opts.Registry.Clone(),
		log:          opts.Logger,
		parser:       hclparse.NewParser(),
		synthetic:    map[string]*hcl.File{},
		path:         path,
		varIndex:     map[string]*variable{},
		pipelineByID: map[string]*pipelineDecl{},
		pluginByName: map[string]*pluginDecl{},
		lastPhase:    lastPhase,
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	cfg := &Config{registry: l.reg}
	diags := l.load(cfg)
	cfg.files = l.files()
	sortDiagnostics(diags, path)
	return cfg, diags
}

func (l *loader) load(cfg *Config) hcl.Diagnostics {
	dir, err := filepath.Abs(filepath.Dir(l.path))
	if err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot resolve the configuration directory",
			Detail:   fmt.Sprintf("Relative paths in %s cannot be resolved: %v.", l.path, err),
		}}
	}
	l.dir = dir

	file, diags := l.parseFile(l.path, "configuration file", "Cannot read configuration file")
	if file == nil || unclosedBlock(diags) {
		// The parser's recovery from a missing "}" nests what follows in
		// the open block, so everything decoded after it would be wrong.
		return diags
	}
	content, d := file.Body.Content(rootSchema())
	diags = diags.Extend(d)

	// Blocks are decoded in phases so that, for example, every variable is
	// known before any pipeline refers to one, wherever it is declared.
	for _, phase := range rootPhases {
		for _, b := range content.Blocks {
			if rb, ok := rootBlockOf(b.Type); ok && rb.phase == phase {
				diags = diags.Extend(rb.decode(l, b))
			}
		}
		diags = diags.Extend(phaseDone[phase](l))
		if phase == l.lastPhase {
			break
		}
	}

	if len(l.pipelines) == 0 && !diags.HasErrors() && l.lastPhase == allPhases {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing pipeline block",
			Detail: fmt.Sprintf("%s declares no pipeline, so there is nothing to run. Add a "+
				"pipeline \"NAME\" { ... } block with a capture and a sink.", l.path),
			Subject: file.Body.MissingItemRange().Ptr(),
		})
	}

	for _, p := range l.pipelines {
		if p.built != nil {
			cfg.Pipelines = append(cfg.Pipelines, p.built)
		}
	}
	cfg.Telemetry = l.telemetry
	cfg.Alerts = l.alertConfig
	return diags
}

// unclosedBlock reports whether diags has the parser's error for a block
// whose closing brace is missing.
func unclosedBlock(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == "Unclosed configuration block" {
			return true
		}
	}
	return false
}

// parseFile reads and parses a native-syntax file, or a JSON one when its
// name ends in .json. A file that cannot be read, or that checkSource
// refuses, is reported (what names it, summary is the summary when it
// cannot be read) and not parsed: the file returned is nil then.
func (l *loader) parseFile(path, what, summary string) (*hcl.File, hcl.Diagnostics) {
	src, diags := readSource(path, what, summary)
	if diags.HasErrors() {
		return nil, diags
	}
	if strings.HasSuffix(path, ".json") {
		return l.parser.ParseJSON(src, path)
	}
	return l.parser.ParseHCL(src, path)
}

// files merges the parsed and the synthetic sources.
func (l *loader) files() map[string]*hcl.File {
	out := maps.Clone(l.parser.Files())
	if out == nil {
		out = map[string]*hcl.File{}
	}
	maps.Copy(out, l.synthetic)
	return out
}

// sortDiagnostics orders diagnostics for people: those without a place
// first, then those in the configuration file, then those in other files by
// name, each by position. The sort is stable, so diagnostics at the same
// place keep the order in which they were found.
func sortDiagnostics(diags hcl.Diagnostics, mainFile string) {
	rank := func(d *hcl.Diagnostic) int {
		switch {
		case d.Subject == nil:
			return 0
		case d.Subject.Filename == mainFile:
			return 1
		}
		return 2
	}
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if ra, rb := rank(a), rank(b); ra != rb || ra == 0 {
			return ra < rb
		}
		if a.Subject.Filename != b.Subject.Filename {
			return a.Subject.Filename < b.Subject.Filename
		}
		return a.Subject.Start.Byte < b.Subject.Start.Byte
	})
}
