package hcl

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/zclconf/go-cty/cty"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/telemetry"
)

// labelNouns names what the values of the labels the file declares are,
// for warnings.
var labelNouns = map[string]string{
	telemetry.LabelPipeline: "pipeline",
	telemetry.LabelStage:    "stage",
	telemetry.LabelTier:     "tier",
	telemetry.LabelKind:     "stage kind",
}

// checkLabelValues warns about the label matchers of r that name a
// pipeline, stage, tier or stage kind this file does not declare, such as
// tier = "hihg": the alerts this process evaluates never match them. It
// is a warning, not an error, since an exported rule may be meant for the
// metrics of other processes. attr is the labels attribute, for ranges.
func (l *loader) checkLabelValues(r alerting.Rule, attr *hcl.Attribute) hcl.Diagnostics {
	if len(r.Labels) == 0 || attr == nil {
		return nil
	}
	known := l.declaredLabelValues()
	var diags hcl.Diagnostics
	for _, key := range slices.Sorted(maps.Keys(r.Labels)) {
		values, ok := known[key]
		if !ok {
			continue
		}
		for _, v := range r.Labels[key] {
			if slices.Contains(values, v) {
				continue
			}
			noun := labelNouns[key]
			declared := "it declares none"
			if len(values) > 0 {
				declared = "its " + noun + "s are " + quoteAll(values)
			}
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Label value not in this file",
				Detail: fmt.Sprintf("This file declares no %s %q (%s), so the alerts this process "+
					"evaluates never match it.%s If the rule is meant for other processes' metrics "+
					"in Prometheus, ignore this warning.", noun, v, declared, suggest.DidYouMean(v, values)),
				Subject: labelValueRange(attr, key, v, l.ctx).Ptr(),
			})
		}
	}
	return diags
}

// declaredLabelValues returns, for each label of labelNouns, the values
// this file's pipelines record. A label is left out when a pipeline did
// not build (its stages and tiers are not known).
func (l *loader) declaredLabelValues() map[string][]string {
	if len(l.pipelines) == 0 {
		return nil
	}
	out := map[string][]string{}
	add := func(key, v string) {
		if !slices.Contains(out[key], v) {
			out[key] = append(out[key], v)
		}
	}
	for _, p := range l.pipelines {
		add(telemetry.LabelPipeline, p.name)
	}
	for _, p := range l.pipelines {
		if p.built == nil {
			return out
		}
	}
	for _, p := range l.pipelines {
		for _, n := range p.built.Nodes() {
			add(telemetry.LabelStage, n.Name)
			add(telemetry.LabelKind, telemetry.KindLabel(n.Family, n.Kind))
			for _, t := range n.Info.Tiers {
				add(telemetry.LabelTier, t.Name)
			}
		}
	}
	if _, ok := out[telemetry.LabelTier]; !ok {
		out[telemetry.LabelTier] = []string{} // no quality stage: no tier at all
	}
	return out
}

// labelValueRange returns where value of key is written in the labels
// attribute's object, or the attribute's expression when it cannot tell
// (a JSON file, a value from a function).
func labelValueRange(attr *hcl.Attribute, key, value string, ctx *hcl.EvalContext) hcl.Range {
	obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return attr.Expr.Range()
	}
	for _, item := range obj.Items {
		k := hcl.ExprAsKeyword(item.KeyExpr)
		if k == "" {
			if kv, diags := item.KeyExpr.Value(ctx); !diags.HasErrors() && kv.Type() == cty.String &&
				kv.IsKnown() && !kv.IsNull() {
				k = kv.AsString()
			}
		}
		if k != key {
			continue
		}
		if tuple, ok := item.ValueExpr.(*hclsyntax.TupleConsExpr); ok {
			for _, e := range tuple.Exprs {
				if v, diags := e.Value(ctx); !diags.HasErrors() && v.Type() == cty.String &&
					v.IsKnown() && !v.IsNull() && v.AsString() == value {
					return e.Range()
				}
			}
		}
		return item.ValueExpr.Range()
	}
	return attr.Expr.Range()
}
