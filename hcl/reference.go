package hcl

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// Reference formats accepted by WriteReference.
const (
	ReferenceMarkdown = "markdown"
	ReferenceText     = "text"
)

// WriteReference writes the reference of the configuration language: the
// variable, pipeline and plugin blocks, value syntax, functions, and every
// stage kind in r with its attributes (types, defaults, allowed values,
// docs) and nested blocks; a kind provided by a plugin says so. format is ReferenceMarkdown (docs/configuration.md) or
// ReferenceText (`streampipe stages`). The output depends only on r, so it
// can be compared with a committed copy.
func WriteReference(w io.Writer, r *pipeline.Registry, format string) error {
	var rw refWriter
	switch format {
	case ReferenceMarkdown, "md":
		rw = &markdownWriter{}
	case ReferenceText:
		rw = &textWriter{}
	default:
		return fmt.Errorf("write reference: unknown format %q (want %q or %q)",
			format, ReferenceMarkdown, ReferenceText)
	}
	ew := &errWriter{w: w}
	rw.write(ew, r)
	return ew.err
}

// refWriter renders the reference in one format.
type refWriter interface {
	write(w *errWriter, r *pipeline.Registry)
}

// errWriter keeps the first write error so renderers can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// The prose of the reference, shared by both formats. Paragraphs are
// separated by blank lines; lines starting with "    " are code; the text
// format drops the backquotes that mark code in Markdown.
const (
	refIntro = "A configuration file declares input variables, plugins and one or more\n" +
		"pipelines. Each pipeline links stages in a chain: a capture produces\n" +
		"frames, middle stages (buffers, the quality tiers, the batcher, plugin\n" +
		"stages) transform them, and every sink receives the same final stream."

	refVariable = "Declares an input variable, referred to as `var.NAME` in expressions.\n" +
		"Values are taken from, lowest precedence first: the `default`; the\n" +
		"environment variable `STREAMPIPE_VAR_NAME`; `-var-file` files (lines of\n" +
		"`name = value`, or JSON when the file name ends in `.json`), later files\n" +
		"winning; `-var NAME=VALUE` flags, later flags winning. A value given for an\n" +
		"undeclared variable by a `-var` flag or a `-var-file` is an error;\n" +
		"environment variables that match no declared variable are ignored. A\n" +
		"variable without a default must be given a value.\n" +
		"\n" +
		"For string and untyped variables, a `-var` or environment value is taken\n" +
		"literally. For other types it is read as an HCL expression, such as\n" +
		"`-var fps=25` or `-var 'args=[\"-re\"]'`."

	refVariableAttrs = "default: The value when none is given: a constant expression " +
		"(functions are allowed, variables are not).\n" +
		"type: A type constraint: `string`, `number`, `bool`, `list(TYPE)`, `map(TYPE)`, " +
		"`object({...})` or `any`. Without it the variable takes a value of any type.\n" +
		"description: What the variable is for."

	refValues = "Durations are strings with a unit: `\"250ms\"`, `\"5s\"`, `\"1m30s\"` (units ms, s,\n" +
		"m and h; also ns and us), with no space before the unit. A bare number is\n" +
		"rejected, because its unit would be a guess.\n" +
		"\n" +
		"Sizes are a number of bytes or a string with a unit: `\"64KiB\"`, `\"16MiB\"`\n" +
		"(powers of 1024) or `\"1.5MB\"` (powers of 1000). Units are case-insensitive,\n" +
		"and a unit without `i` is decimal: `\"4K\"`, `\"4k\"` and `\"4KB\"` are 4000\n" +
		"bytes, while `\"4KiB\"` is 4096.\n" +
		"\n" +
		"Paths are strings; a relative path is resolved against the directory of the\n" +
		"configuration file, and so is a default path such as `\".\"`.\n" +
		"\n" +
		"Integers must be whole numbers. `null` leaves an attribute unset, as if it\n" +
		"were not written.\n" +
		"\n" +
		"A configuration file or `-var-file` whose name ends in `.json` is read in\n" +
		"HCL's JSON syntax (the same blocks and attributes, written as JSON objects);\n" +
		"any other name, in HCL's native syntax. A file may be at most 4 MiB and nest\n" +
		"brackets, braces, parentheses and templates at most 256 levels deep."

	refPipeline = "Declares a pipeline. Its blocks are its stages, in this order:\n" +
		"\n" +
		"    capture \"KIND\" { ... }         exactly one, first\n" +
		"    buffer { ... }                 any number\n" +
		"    quality { ... }                at most one\n" +
		"    batch { ... }                  at most one, after quality\n" +
		"    stage \"KIND\" \"NAME\" { ... }    any number (plugin stages)\n" +
		"    sink \"KIND\" { ... }            one or more, after every other stage\n" +
		"\n" +
		"Middle stages run in the order written. When a pipeline has no `quality`\n" +
		"block, a quality stage with its default tiers is added after the last\n" +
		"middle stage, or right before `batch` when there is one. When it has no\n" +
		"`batch` block, a batch stage with its defaults is added right after quality.\n" +
		"\n" +
		"Every stage block also takes the attribute `name`, which names the stage\n" +
		"in logs, metrics and errors. It defaults to the block type (`capture`,\n" +
		"`buffer`, `quality`, `batch`), the kind of a sink, or the second label of a\n" +
		"`stage` block. Names are unique within a pipeline, so a second buffer, or a\n" +
		"second sink of the same kind, needs a `name`.\n" +
		"\n" +
		"Attributes marked \"unique in the file\" name a resource that one user\n" +
		"holds: no two stages of a file, in the same pipeline or not, may listen on\n" +
		"the same address (nor on the telemetry block's) or write the same file. A\n" +
		"default counts as written. Listen addresses conflict on the same port when\n" +
		"their hosts are equal or one is a wildcard (`0.0.0.0`, `::` or none); port\n" +
		"0, any free port, never conflicts."

	refPlugin = "Declares a plugin: a program built with streampipe's plugin SDK that\n" +
		"provides the stage kind NAME, used as `stage \"NAME\" \"LABEL\" { ... }` in any\n" +
		"pipeline of the file, anywhere between the capture and the sinks. In\n" +
		"`command`, a program path with a slash is relative to this file's\n" +
		"directory, and a bare program name is looked up in PATH.\n" +
		"\n" +
		"To check those stage blocks, streampipe starts the program once while\n" +
		"loading the file and asks for its settings (its schema); the answer is\n" +
		"cached per build of the program, keyed by its SHA-256, in the user's cache\n" +
		"directory. When `sha256` is set, a program with another checksum is refused\n" +
		"before it runs. When a pipeline runs, each stage block of the kind runs its\n" +
		"own process of the program, supervised as the attributes below say: a\n" +
		"plugin that crashes, exits or stops answering is restarted, and the frames\n" +
		"it held are dropped. docs/plugins.md is the guide to writing one."

	refTelemetry = "Configures the standard metrics, health and status (at most one block).\n" +
		"With the block, even empty, the telemetry server listens on its own port\n" +
		"(default 127.0.0.1:9464) and serves the Prometheus metrics at `/metrics`,\n" +
		"`/healthz`, `/readyz` and `/status`; without it the server is off, so that\n" +
		"several `streampipe run` on one machine need no port planning (`run\n" +
		"-telemetry-listen ADDR` turns it on without the block). A port already in\n" +
		"use stops `run` with an error that says so. Metrics are recorded either way.\n" +
		"docs/metrics.md lists every metric and docs/logging.md every log event."

	refAlert = "Declares an alert rule: what to watch (a `metric` of docs/metrics.md, or a\n" +
		"named `signal`), how its series become one value (`aggregate`), the\n" +
		"threshold (`above`, `below` or `outside`), how far back it looks\n" +
		"(`window`), how long the condition must hold (`for`), a `severity`, and the\n" +
		"hooks that are told when it fires and resolves. Rules are evaluated\n" +
		"in-process every `interval` of the alerts block; each group of series (by\n" +
		"default one per pipeline, stage, tier or path) is its own alert, moving\n" +
		"inactive, pending, firing, resolved. A file that declares no alert block\n" +
		"gets the default rule set. docs/alerts.md describes the aggregations,\n" +
		"signals, default rules, hooks and their JSON, and the exports for\n" +
		"Prometheus and Grafana."

	refHooks = "Hooks are nested `hook \"KIND\"` blocks, any number; an alert without one\n" +
		"logs its notifications (the `log` hook). `log` writes an `alert notification`\n" +
		"line; `webhook` POSTs the notification JSON; `exec` runs a command with the\n" +
		"JSON on its standard input. Each hook delivers from its own queue, so a\n" +
		"slow or failing hook never holds up the pipelines or the evaluation."

	refAlerts = "Configures alert evaluation (at most one block): the interval, whether the\n" +
		"default rule set is included beside the file's alert blocks, and, in nested\n" +
		"`hook \"KIND\"` blocks, the hooks of the default rules (without any, they\n" +
		"log). A file's alert named like a default rule replaces it."
)

// familyDocs introduces each family of stage blocks.
var familyDocs = []struct {
	family pipeline.Family
	header string
	doc    string
}{
	{pipeline.FamilyCapture, `capture "KIND"`,
		"Produces the frames. Exactly one per pipeline, first."},
	{pipeline.FamilyBuffer, "buffer",
		"A bounded queue that absorbs bursts, with a policy for when it is full."},
	{pipeline.FamilyQuality, "quality",
		"Assigns frames to quality tiers, each with its own frame rate, scale and JPEG quality."},
	{pipeline.FamilyBatch, "batch",
		"Groups frames of each tier into messages."},
	{pipeline.FamilyStage, `stage "KIND" "NAME"`,
		"Any other processing stage, usually provided by a plugin."},
	{pipeline.FamilySink, `sink "KIND"`,
		"Delivers frames out of the pipeline. Every sink receives the same stream."},
}

// kindHeader renders the block header that selects k.
func kindHeader(k *pipeline.Kind) string {
	switch {
	case k.Family == pipeline.FamilyStage:
		return fmt.Sprintf("stage %q \"NAME\"", k.Name)
	case k.Name != "":
		return fmt.Sprintf("%s %q", k.Family, k.Name)
	}
	return string(k.Family)
}

// attrDefault renders an attribute's default, "required" or "".
func attrDefault(a pipeline.Attr) string {
	if a.Required {
		return "required"
	}
	if a.Default == nil {
		return ""
	}
	if s, ok := literal(a.Default, a.Type); ok {
		return s
	}
	return fmt.Sprint(a.Default)
}

// attrAllowed renders an attribute's range or allowed values.
func attrAllowed(a pipeline.Attr) string {
	var parts []string
	if a.Range != "" {
		if iv, err := pipeline.ParseInterval(a.Range); err == nil {
			var unit func(float64) string
			switch a.Type {
			case pipeline.TypeDuration:
				unit = pipeline.DurationString
			case pipeline.TypeSize:
				unit = sizeBound
			}
			parts = append(parts, iv.Describe(unit))
		}
	}
	if len(a.OneOf) > 0 {
		parts = append(parts, "one of "+quoteList(a.OneOf))
	}
	if a.Exclusive != "" {
		parts = append(parts, "unique in the file")
	}
	return strings.Join(parts, "; ")
}

// blockCount renders a nested block's count limits.
func blockCount(b pipeline.BlockSpec) string {
	switch {
	case b.Max == 1 && b.Min == 1:
		return "exactly one"
	case b.Max == 1:
		return "at most one"
	case b.Max > 0 && b.Min > 0:
		return fmt.Sprintf("%d to %d", b.Min, b.Max)
	case b.Max > 0:
		return fmt.Sprintf("at most %d", b.Max)
	case b.Min > 0:
		return fmt.Sprintf("at least %d", b.Min)
	}
	return "any number"
}

func nestedHeader(b pipeline.BlockSpec) string {
	h := b.Name
	for _, l := range b.Labels {
		h += " " + strconv.Quote(strings.ToUpper(l))
	}
	return h
}

// ---- Markdown

type markdownWriter struct{}

func (m *markdownWriter) write(w *errWriter, r *pipeline.Registry) {
	w.printf("# Configuration reference\n\n")
	w.printf("<!-- Generated by hcl.WriteReference from the stage registry; do not edit.\n")
	w.printf("     Regenerate with: go test ./hcl -run TestReferenceDoc -update -->\n\n")
	w.printf("%s\n\n", refIntro)
	w.printf("Contents: [variable](#variable), [values](#values), [functions](#functions), " +
		"[pipeline](#pipeline), [plugin](#plugin), [telemetry](#telemetry), [alert](#alert), " +
		"[alerts](#alerts), [stage kinds](#stage-kinds).\n\n")

	w.printf("## variable\n\n```hcl\nvariable \"NAME\" {\n" +
		"  default     = ...\n  type        = string\n  description = \"...\"\n}\n```\n\n")
	m.prose(w, refVariable)
	w.printf("| Attribute | Description |\n| --- | --- |\n")
	for _, line := range strings.Split(refVariableAttrs, "\n") {
		name, doc, _ := strings.Cut(line, ": ")
		w.printf("| `%s` | %s |\n", name, cell(doc))
	}
	w.printf("\n## values\n\n")
	m.prose(w, refValues)
	w.printf("## functions\n\nExpressions may use `var.NAME` and these functions: %s.\n\n", funcList())

	w.printf("## pipeline\n\n```hcl\npipeline \"NAME\" {\n  drain_timeout = \"5s\"\n\n" +
		"  capture \"KIND\" { ... }\n  ...\n  sink \"KIND\" { ... }\n}\n```\n\n")
	m.prose(w, refPipeline)
	m.attrs(w, pipelineMeta.Attrs)
	w.printf("Attribute of every stage block:\n\n")
	m.attrs(w, []pipeline.Attr{nameAttr})

	w.printf("## plugin\n\n```hcl\nplugin \"NAME\" {\n  command = [\"./bin/NAME\"]\n" +
		"  sha256  = \"...\"\n}\n```\n\n")
	m.prose(w, refPlugin)
	m.attrs(w, plugins.Spec().Attrs)

	w.printf("## telemetry\n\n```hcl\ntelemetry {\n  listen = \"127.0.0.1:9464\"\n" +
		"  otlp {\n    endpoint = \"127.0.0.1:4317\"\n  }\n}\n```\n\n")
	m.prose(w, refTelemetry)
	m.attrs(w, telemetrySpec.Attrs)
	m.blocks(w, telemetrySpec.Blocks, "###")
	m.alerts(w)

	w.printf("## stage kinds\n\n")
	kinds := r.Kinds()
	for _, f := range familyDocs {
		w.printf("### %s\n\n%s\n\n", f.family, f.doc)
		n := 0
		for _, k := range kinds {
			if k.Family != f.family {
				continue
			}
			n++
			m.kind(w, k)
		}
		if n == 0 {
			w.printf("No %s kinds are registered in this build.\n\n", f.family)
		}
	}
}

func (m *markdownWriter) kind(w *errWriter, k *pipeline.Kind) {
	w.printf("#### `%s`\n\n", kindHeader(k))
	w.printf("Stability: %s.", k.Stability)
	if k.Plugin != "" {
		w.printf(" Provided by plugin `%s`.", k.Plugin)
	}
	w.printf("\n\n")
	if k.Summary != "" {
		w.printf("%s\n\n", strings.TrimSpace(k.Summary))
	}
	if k.Doc != "" {
		m.prose(w, strings.Trim(k.Doc, "\n"))
	}
	if len(k.Spec.Attrs) == 0 && len(k.Spec.Blocks) == 0 {
		w.printf("No attributes.\n\n")
	}
	m.attrs(w, k.Spec.Attrs)
	m.blocks(w, k.Spec.Blocks, "#####")
}

func (m *markdownWriter) blocks(w *errWriter, blocks []pipeline.BlockSpec, level string) {
	for _, b := range blocks {
		w.printf("%s `%s` block\n\n", level, nestedHeader(b))
		w.printf("Count: %s.", blockCount(b))
		if b.Doc != "" {
			w.printf(" %s", strings.TrimSpace(b.Doc))
		}
		w.printf("\n\n")
		m.attrs(w, b.Spec.Attrs)
		m.blocks(w, b.Spec.Blocks, level+"#")
	}
}

func (m *markdownWriter) attrs(w *errWriter, attrs []pipeline.Attr) {
	if len(attrs) == 0 {
		return
	}
	w.printf("| Attribute | Type | Default | Allowed | Description |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range attrs {
		def := attrDefault(a)
		if def != "" && def != "required" {
			def = "`" + def + "`"
		}
		w.printf("| `%s` | %s | %s | %s | %s |\n",
			a.Name, a.Type, cell(def), cell(attrAllowed(a)), cell(a.Doc))
	}
	w.printf("\n")
}

// prose writes text: paragraphs as they are, indented lines as code.
func (m *markdownWriter) prose(w *errWriter, text string) {
	for _, para := range strings.Split(text, "\n\n") {
		if strings.HasPrefix(para, "    ") {
			w.printf("```hcl\n")
			for _, line := range strings.Split(para, "\n") {
				w.printf("%s\n", strings.TrimPrefix(line, "    "))
			}
			w.printf("```\n\n")
			continue
		}
		w.printf("%s\n\n", para)
	}
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// ---- Text

type textWriter struct{}

func (t *textWriter) write(w *errWriter, r *pipeline.Registry) {
	w.printf("CONFIGURATION REFERENCE\n\n")
	t.para(w, refIntro, "")
	w.printf("variable \"NAME\"\n")
	t.para(w, refVariable, "    ")
	for _, line := range strings.Split(refVariableAttrs, "\n") {
		name, doc, _ := strings.Cut(line, ": ")
		w.printf("    %s\n", name)
		t.para(w, doc, "        ")
	}
	w.printf("VALUES\n")
	t.para(w, refValues, "    ")
	w.printf("FUNCTIONS\n")
	t.para(w, "Expressions may use var.NAME and these functions: "+
		strings.Join(FunctionNames(), ", ")+".", "    ")
	w.printf("pipeline \"NAME\"\n")
	t.para(w, refPipeline, "    ")
	t.attrs(w, pipelineMeta.Attrs, "    ")
	w.printf("    Every stage block:\n\n")
	t.attrs(w, []pipeline.Attr{nameAttr}, "    ")
	w.printf("plugin \"NAME\"\n")
	t.para(w, refPlugin, "    ")
	t.attrs(w, plugins.Spec().Attrs, "    ")
	w.printf("telemetry\n")
	t.para(w, refTelemetry, "    ")
	t.attrs(w, telemetrySpec.Attrs, "    ")
	t.blocks(w, telemetrySpec.Blocks, "    ")
	t.alerts(w)

	w.printf("STAGE KINDS\n\n")
	kinds := r.Kinds()
	for _, f := range familyDocs {
		for _, k := range kinds {
			if k.Family == f.family {
				t.kind(w, k)
			}
		}
	}
}

func (t *textWriter) kind(w *errWriter, k *pipeline.Kind) {
	w.printf("%s  [%s]", kindHeader(k), k.Stability)
	if k.Plugin != "" {
		w.printf("  provided by plugin %s", k.Plugin)
	}
	w.printf("\n")
	doc := strings.TrimSpace(strings.TrimSpace(k.Summary) + "\n\n" + strings.TrimSpace(k.Doc))
	if doc != "" {
		t.para(w, doc, "    ")
	} else {
		w.printf("\n")
	}
	t.attrs(w, k.Spec.Attrs, "    ")
	t.blocks(w, k.Spec.Blocks, "    ")
}

func (t *textWriter) blocks(w *errWriter, blocks []pipeline.BlockSpec, indent string) {
	for _, b := range blocks {
		w.printf("%s%s block, %s\n", indent, nestedHeader(b), blockCount(b))
		if b.Doc != "" {
			t.para(w, b.Doc, indent+"    ")
		} else {
			w.printf("\n")
		}
		t.attrs(w, b.Spec.Attrs, indent+"    ")
		t.blocks(w, b.Spec.Blocks, indent+"    ")
	}
}

func (t *textWriter) attrs(w *errWriter, attrs []pipeline.Attr, indent string) {
	nameW, typeW := 0, 0
	for _, a := range attrs {
		nameW = max(nameW, len(a.Name))
		typeW = max(typeW, len(a.Type.String()))
	}
	for _, a := range attrs {
		var facts []string
		if d := attrDefault(a); d == "required" {
			facts = append(facts, d)
		} else if d != "" {
			facts = append(facts, "default "+d)
		}
		if al := attrAllowed(a); al != "" {
			facts = append(facts, al)
		}
		line := fmt.Sprintf("%s%-*s  %-*s  %s",
			indent, nameW, a.Name, typeW, a.Type, strings.Join(facts, ", "))
		w.printf("%s\n", strings.TrimRight(line, " "))
		if a.Doc != "" {
			t.para(w, a.Doc, indent+"    ")
		}
	}
	if len(attrs) > 0 && attrs[len(attrs)-1].Doc == "" {
		w.printf("\n")
	}
}

// para writes text wrapped at 80 columns under indent, keeping code lines
// (starting with four spaces) as they are, then a blank line.
func (t *textWriter) para(w *errWriter, text, indent string) {
	text = strings.ReplaceAll(text, "`", "")
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if strings.HasPrefix(p, "    ") {
			for _, line := range strings.Split(p, "\n") {
				w.printf("%s%s\n", indent, line)
			}
		} else {
			for _, line := range wrap(strings.Join(strings.Fields(p), " "), 80-len(indent)) {
				w.printf("%s%s\n", indent, line)
			}
		}
		w.printf("\n")
	}
}

// wrap splits text into lines of at most width columns, breaking at
// spaces; a word longer than width gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
