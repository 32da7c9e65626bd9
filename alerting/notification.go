package alerting

import (
	"encoding/json"
	"maps"
	"time"
)

// PayloadVersion is the version of the Notification document; it changes
// only when a field changes meaning or goes away.
const PayloadVersion = 1

// Notification is the JSON document hooks receive: a webhook as its
// request body, an exec hook on its standard input.
type Notification struct {
	Version int `json:"version"`
	// Alert is the rule's name; Severity its severity.
	Alert    string `json:"alert"`
	Severity string `json:"severity"`
	// State is "firing" or "resolved".
	State string `json:"state"`
	// Value is the aggregated value at the last evaluation that had one.
	Value float64 `json:"value"`
	// Threshold is the bound the value crossed (for an outside
	// comparison, the nearer of Bounds).
	Threshold  float64           `json:"threshold"`
	Comparison string            `json:"comparison"`
	Bounds     []float64         `json:"bounds,omitempty"`
	Unit       string            `json:"unit,omitempty"`
	Labels     map[string]string `json:"labels"`
	Summary    string            `json:"summary,omitempty"`
	// Expr is the rule as a PromQL expression.
	Expr string `json:"expr"`
	// Started is when the alert started firing; Resolved when it
	// resolved, null while it fires.
	Started  time.Time  `json:"started"`
	Resolved *time.Time `json:"resolved"`
	// Time is when the notification was made.
	Time time.Time `json:"time"`
}

// JSON encodes the notification.
func (n Notification) JSON() ([]byte, error) {
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	return json.Marshal(n)
}

func (n Notification) clone() Notification {
	n.Labels = maps.Clone(n.Labels)
	return n
}
