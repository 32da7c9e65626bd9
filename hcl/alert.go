package hcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
)

// hookHeader is the nested block of alert and alerts blocks that declares
// a hook.
var hookHeader = hcl.BlockHeaderSchema{Type: "hook", LabelNames: []string{"kind"}}

// alertDecls collects the alert and alerts blocks of a file.
type alertDecls struct {
	rules  []alertDecl
	byName map[string]hcl.Range

	// The alerts block (its defaults when the file has none).
	blockRange   *hcl.Range
	defaults     *bool
	block        *pipeline.Config
	defaultHooks []*alerting.HookConfig
}

// alertDecl is one decoded alert block.
type alertDecl struct {
	rule   alerting.Rule
	window hcl.Range
}

func (l *loader) alertState() *alertDecls {
	if l.alerts == nil {
		l.alerts = &alertDecls{byName: map[string]hcl.Range{}, block: pipeline.NewConfig(alerting.AlertsSpec)}
	}
	return l.alerts
}

// decodeAlert decodes one `alert "NAME"` block into a rule.
func (l *loader) decodeAlert(b *hcl.Block) hcl.Diagnostics {
	a := l.alertState()
	name := b.Labels[0]
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(name) {
		diags = diags.Append(invalidName("alert", name, b.LabelRanges[0]))
	}
	if first, dup := a.byName[name]; dup {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate alert",
			Detail: fmt.Sprintf("An alert named %q was first declared at %s. Alert names must be "+
				"unique within a file; rename one of them.", name, where(first)),
			Subject: b.LabelRanges[0].Ptr(),
		})
	} else {
		a.byName[name] = b.LabelRanges[0]
	}

	content, d := b.Body.Content(specSchema(alerting.RuleSpec, nil, []hcl.BlockHeaderSchema{hookHeader}))
	diags = diags.Extend(d)
	cfg := pipeline.NewConfig(alerting.RuleSpec, name)
	cfg.DefRange = toPipelineRange(b.DefRange)
	what := "alert " + quoteLabels(b.Labels)
	diags = diags.Extend(l.decodeContent(content, cfg, b.DefRange, what))
	hooks, d := l.decodeHooks(content.Blocks, what)
	diags = diags.Extend(d)

	// Every problem is reported at once: a bad hook or name does not hide
	// the rule's own mistakes. Only an attribute the rule is built from
	// that did not decode stops here, since the rule's checks would then
	// report its absence as well.
	for _, attr := range ruleInputs {
		if _, written := content.Attributes[attr]; written && !cfg.IsSet(attr) {
			return diags
		}
	}
	rule, err := alerting.RuleFromConfig(cfg, hooks)
	if err != nil {
		return diags.Extend(configDiagnostics(err, b.DefRange, "Invalid alert rule"))
	}
	diags = diags.Extend(l.checkLabelValues(rule, content.Attributes["labels"]))
	if diags.HasErrors() {
		return diags
	}
	a.rules = append(a.rules, alertDecl{rule: rule, window: toHCLRange(cfg.Range("window"))})
	return diags
}

// ruleInputs are the attributes of an alert block whose absence the
// rule's checks would report: when one is written but did not decode,
// those checks are skipped.
var ruleInputs = []string{"metric", "signal", "aggregate", "denominator", "labels", "above", "below",
	"outside"}

// decodeAlerts decodes the `alerts` block: the evaluation interval, the
// default rule set switch and the default rules' hooks.
func (l *loader) decodeAlerts(b *hcl.Block) hcl.Diagnostics {
	a := l.alertState()
	if a.blockRange != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Duplicate alerts block",
			Detail: fmt.Sprintf("An alerts block was first declared at %s, and a file has at most "+
				"one: merge the two.", where(*a.blockRange)),
			Subject: b.DefRange.Ptr(),
		}}
	}
	a.blockRange = &b.DefRange

	content, diags := b.Body.Content(specSchema(alerting.AlertsSpec, nil, []hcl.BlockHeaderSchema{hookHeader}))
	cfg := pipeline.NewConfig(alerting.AlertsSpec)
	cfg.DefRange = toPipelineRange(b.DefRange)
	diags = diags.Extend(l.decodeContent(content, cfg, b.DefRange, "alerts"))
	hooks, d := l.decodeHooks(content.Blocks, "alerts")
	diags = diags.Extend(d)
	if diags.HasErrors() {
		return diags
	}
	if cfg.IsSet("defaults") {
		v := cfg.Bool("defaults")
		a.defaults = &v
	}
	a.block = cfg
	a.defaultHooks = hooks
	return diags
}

// decodeHooks decodes the hook blocks among blocks; nil when there are
// none.
func (l *loader) decodeHooks(blocks hcl.Blocks, what string) ([]*alerting.HookConfig, hcl.Diagnostics) {
	var hooks []*alerting.HookConfig
	var diags hcl.Diagnostics
	for _, hb := range blocks.OfType(hookHeader.Type) {
		kind := hb.Labels[0]
		spec, ok := alerting.HookSpec(kind)
		if !ok {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown hook kind",
				Detail: fmt.Sprintf("The %s block declares a hook %q; the hook kinds are %s.%s",
					what, kind, quoteAll(alerting.HookKinds), suggest.DidYouMean(kind, alerting.HookKinds)),
				Subject: hb.LabelRanges[0].Ptr(),
			})
			continue
		}
		content, d := hb.Body.Content(specSchema(spec, nil, nil))
		diags = diags.Extend(d)
		cfg := pipeline.NewConfig(spec, kind)
		cfg.DefRange = toPipelineRange(hb.DefRange)
		d = l.decodeContent(content, cfg, hb.DefRange, "hook "+quoteLabels(hb.Labels)+" of "+what)
		diags = diags.Extend(d)
		if d.HasErrors() {
			continue
		}
		h, err := alerting.HookFromConfig(kind, cfg, l.dir)
		if err != nil {
			diags = diags.Extend(configDiagnostics(err, hb.DefRange, "Invalid alert hook"))
			continue
		}
		hooks = append(hooks, h)
	}
	return hooks, diags
}

// finishAlerts assembles the rule set once every alert block is decoded:
// the file's rules, and the default rule set when the file declares no
// alert or its alerts block says defaults = true. A rule of the file
// named like a default rule replaces it.
func (l *loader) finishAlerts() hcl.Diagnostics {
	a := l.alertState()
	interval := a.block.Duration("interval")
	cfg := alerting.Config{Interval: interval}
	if !a.block.IsSet("interval") {
		cfg.Interval = 0 // the default, which an export may adapt
	}

	// A window shorter than two intervals would hold fewer than two
	// evaluations: rates and quantiles need two snapshots within it.
	var diags hcl.Diagnostics
	for _, d := range a.rules {
		if d.rule.UsesWindow() && d.rule.Window < 2*interval {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Alert window too short",
				Detail: fmt.Sprintf("The window of alert %q is %s, but rules are evaluated every %s "+
					"(the interval of the alerts block), so it would hold fewer than two evaluations. "+
					"Make the window at least %s, or shorten the interval.",
					d.rule.Name, d.rule.Window, interval, 2*interval),
				Subject: d.window.Ptr(),
			})
		}
		cfg.Rules = append(cfg.Rules, d.rule)
	}

	include := len(a.rules) == 0
	if a.defaults != nil {
		include = *a.defaults
	}
	if include {
		for _, r := range alerting.Defaults() {
			if _, overridden := a.byName[r.Name]; overridden {
				continue
			}
			r.Hooks = a.defaultHooks
			cfg.Rules = append(cfg.Rules, r)
		}
	}
	l.alertConfig = cfg
	return diags
}
