package hcl

import (
	"github.com/streampipe/streampipe/alerting"
)

// The alert and alerts sections of the reference.

func (m *markdownWriter) alerts(w *errWriter) {
	w.printf("## alert\n\n```hcl\nalert \"NAME\" {\n" +
		"  metric    = \"streampipe.websocket.frame.latency\"\n" +
		"  aggregate = \"p95\"\n  above     = \"100ms\"\n  window    = \"5m\"\n  for       = \"1m\"\n" +
		"  severity  = \"critical\"\n  hook \"webhook\" {\n    url = \"http://127.0.0.1:9000/alerts\"\n  }\n" +
		"}\n```\n\n")
	m.prose(w, refAlert)
	m.attrs(w, alerting.RuleSpec.Attrs)
	m.prose(w, refHooks)
	for _, kind := range alerting.HookKinds {
		spec, _ := alerting.HookSpec(kind)
		w.printf("### `hook %q` block\n\n", kind)
		if len(spec.Attrs) == 0 {
			w.printf("No attributes.\n\n")
		}
		m.attrs(w, spec.Attrs)
	}
	w.printf("## alerts\n\n```hcl\nalerts {\n  defaults = true\n  interval = \"10s\"\n" +
		"  hook \"webhook\" {\n    url = \"http://127.0.0.1:9000/alerts\"\n  }\n}\n```\n\n")
	m.prose(w, refAlerts)
	m.attrs(w, alerting.AlertsSpec.Attrs)
}

func (t *textWriter) alerts(w *errWriter) {
	w.printf("alert \"NAME\"\n")
	t.para(w, refAlert, "    ")
	t.attrs(w, alerting.RuleSpec.Attrs, "    ")
	t.para(w, refHooks, "    ")
	for _, kind := range alerting.HookKinds {
		spec, _ := alerting.HookSpec(kind)
		w.printf("    hook %q block, any number\n", kind)
		if len(spec.Attrs) == 0 {
			w.printf("\n")
		}
		t.attrs(w, spec.Attrs, "        ")
	}
	w.printf("alerts\n")
	t.para(w, refAlerts, "    ")
	t.attrs(w, alerting.AlertsSpec.Attrs, "    ")
}
