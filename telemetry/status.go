package telemetry

import (
	"fmt"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// AlertState is one alert rule's state, as /status reports it.
type AlertState struct {
	Name      string            `json:"name"`
	Severity  string            `json:"severity"`
	State     string            `json:"state"` // inactive, pending, firing, resolved
	Value     float64           `json:"value"`
	Threshold float64           `json:"threshold"`
	Labels    map[string]string `json:"labels,omitempty"`
	Since     time.Time         `json:"since,omitzero"`
}

// AlertProvider gives the alert states /status reports. The alert engine
// implements it and is installed with Telemetry.SetAlerts; it must be
// safe for concurrent use and fast (it is called on every request).
type AlertProvider interface {
	AlertStates() []AlertState
}

// Status is the document GET /status serves.
type Status struct {
	Time time.Time `json:"time"`
	// Ready is what /readyz answers: every stage of every pipeline ok.
	Ready     bool             `json:"ready"`
	Pipelines []PipelineStatus `json:"pipelines"`
	// Alerts is empty (not null) while no alert engine is installed.
	Alerts    []AlertState `json:"alerts"`
	Resources Resources    `json:"resources"`
}

// PipelineStatus is one pipeline's graph and stages.
type PipelineStatus struct {
	Name string `json:"name"`
	// State is the least healthy state of its stages.
	State  string        `json:"state"`
	Stages []StageStatus `json:"stages"`
	// Edges link the stages in the order frames flow; the last middle
	// stage (or the capture) links to every sink.
	Edges []Edge `json:"edges"`
	// Bottleneck names the stage that currently holds the others back,
	// or is null when none does; see docs/metrics.md.
	Bottleneck *Bottleneck `json:"bottleneck"`
}

// StageStatus is one stage's state, counters and rates.
type StageStatus struct {
	Name           string            `json:"name"`
	Family         string            `json:"family"`
	Kind           string            `json:"kind"`
	State          string            `json:"state"`
	Reason         string            `json:"reason,omitempty"`
	FramesIn       uint64            `json:"frames_in"`
	FramesOut      uint64            `json:"frames_out"`
	Skipped        uint64            `json:"skipped"`
	Dropped        map[string]uint64 `json:"dropped"`
	Errors         uint64            `json:"errors"`
	QueueLen       int               `json:"queue_len"`
	QueueCap       int               `json:"queue_cap"`
	BlockedSeconds float64           `json:"blocked_seconds"`
	Rates          Rates             `json:"rates"`
}

// Edge is one link of the graph, by stage name.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Bottleneck names the stage holding the others back, and why.
type Bottleneck struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

// Bottleneck thresholds.
const (
	// fullQueue is the fill ratio at which an input queue counts as full.
	fullQueue = 0.9
	// blockedShare is the share of an interval an upstream stage must
	// spend blocked before its downstream neighbour is named.
	blockedShare = 0.05
)

// Status builds the current status document.
func (t *Telemetry) Status() Status {
	st := Status{Time: time.Now(), Ready: true, Alerts: []AlertState{}}
	t.mu.Lock()
	alerts := t.alerts
	t.mu.Unlock()
	if alerts != nil {
		if a := alerts.AlertStates(); a != nil {
			st.Alerts = a
		}
	}
	st.Resources = t.resources.current()

	pipelines := t.attachedPipelines()
	if len(pipelines) == 0 {
		st.Ready = false
	}
	st.Pipelines = []PipelineStatus{}
	for _, a := range pipelines {
		ps := t.pipelineStatus(a)
		for _, s := range ps.Stages {
			if s.State != pipeline.HealthOK.String() {
				st.Ready = false
			}
		}
		st.Pipelines = append(st.Pipelines, ps)
	}
	return st
}

func (t *Telemetry) pipelineStatus(a *attached) PipelineStatus {
	ps := PipelineStatus{Name: a.p.Name(), Stages: []StageStatus{}, Edges: []Edge{}}
	worst := pipeline.HealthOK
	for _, s := range a.stages {
		snap := s.node.Stats.Snapshot()
		ss := StageStatus{
			Name:           s.node.Name,
			Family:         string(s.node.Family),
			Kind:           s.kind,
			State:          snap.Health.String(),
			Reason:         snap.HealthReason,
			FramesIn:       snap.FramesIn,
			FramesOut:      snap.FramesOut,
			Skipped:        snap.Skipped,
			Dropped:        snap.Drops,
			Errors:         snap.Errors,
			QueueLen:       snap.QueueLen,
			QueueCap:       snap.QueueCap,
			BlockedSeconds: snap.Blocked.Seconds(),
			Rates:          t.rates.get(s),
		}
		if severity(snap.Health) > severity(worst) {
			worst = snap.Health
		}
		ps.Stages = append(ps.Stages, ss)
	}
	ps.State = worst.String()
	ps.Edges = edges(a)
	ps.Bottleneck = bottleneck(a, ps.Stages)
	return ps
}

// severity orders health states for a pipeline's summary: failed is worst.
func severity(h pipeline.Health) int {
	switch h {
	case pipeline.HealthOK:
		return 0
	case pipeline.HealthStopped:
		return 1
	case pipeline.HealthStopping:
		return 2
	case pipeline.HealthStarting:
		return 3
	case pipeline.HealthDegraded:
		return 4
	}
	return 5
}

// edges links the stages as the runtime does: each middle stage to the
// next, and the last one before the sinks to every sink.
func edges(a *attached) []Edge {
	var chain, sinks []string
	for _, s := range a.stages {
		if s.node.Family == pipeline.FamilySink {
			sinks = append(sinks, s.node.Name)
		} else {
			chain = append(chain, s.node.Name)
		}
	}
	out := []Edge{}
	for i := 1; i < len(chain); i++ {
		out = append(out, Edge{From: chain[i-1], To: chain[i]})
	}
	if len(chain) > 0 {
		for _, s := range sinks {
			out = append(out, Edge{From: chain[len(chain)-1], To: s})
		}
	}
	return out
}

// downstream returns the indexes of the stages fed by stage i.
func downstream(stages []StageStatus, i int) []int {
	if stages[i].Family == string(pipeline.FamilySink) {
		return nil
	}
	next := i + 1
	if next >= len(stages) {
		return nil
	}
	if stages[next].Family != string(pipeline.FamilySink) {
		return []int{next}
	}
	var out []int
	for j := next; j < len(stages); j++ {
		out = append(out, j)
	}
	return out
}

// bottleneck names the stage that holds the others back:
//
//  1. the most downstream stage whose input queue is at least 90% full
//     (a full input means the stage cannot keep up, and everything
//     upstream of it waits or drops); buffers are left out, since their
//     own queue fills when the stage after them is slow;
//  2. otherwise, the downstream neighbour with the fullest queue of the
//     stage that spent the largest share (at least 5%) of the last
//     interval blocked sending;
//  3. otherwise none.
func bottleneck(a *attached, stages []StageStatus) *Bottleneck {
	// All sinks sit at the same depth: after the last middle stage.
	depth := func(i int) int {
		if stages[i].Family == string(pipeline.FamilySink) {
			return len(stages)
		}
		return i
	}
	best := -1
	for i, s := range stages {
		if i == 0 || s.QueueCap == 0 || isQueuer(a, i) || fill(s) < fullQueue {
			continue
		}
		if best < 0 || depth(i) > depth(best) || depth(i) == depth(best) && fill(s) > fill(stages[best]) {
			best = i
		}
	}
	if best >= 0 {
		s := stages[best]
		return &Bottleneck{Stage: s.Name,
			Reason: fmt.Sprintf("input queue full (%d of %d)", s.QueueLen, s.QueueCap)}
	}

	blocked, share := -1, blockedShare
	for i, s := range stages {
		if s.Rates.Blocked >= share {
			blocked, share = i, s.Rates.Blocked
		}
	}
	if blocked < 0 {
		return nil
	}
	next := downstream(stages, blocked)
	if len(next) == 0 {
		return nil
	}
	pick := next[0]
	for _, j := range next[1:] {
		if fill(stages[j]) > fill(stages[pick]) {
			pick = j
		}
	}
	return &Bottleneck{Stage: stages[pick].Name,
		Reason: fmt.Sprintf("%s spent %.0f%% of the last interval blocked sending to it",
			stages[blocked].Name, 100*share)}
}

func fill(s StageStatus) float64 {
	if s.QueueCap == 0 {
		return 0
	}
	return float64(s.QueueLen) / float64(s.QueueCap)
}

func isQueuer(a *attached, i int) bool {
	_, ok := a.stages[i].node.Stage.(pipeline.Queuer)
	return ok
}
