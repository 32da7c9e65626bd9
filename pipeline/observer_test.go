package pipeline_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// recordingObserver counts what the runtime tells it, per stage.
type recordingObserver struct {
	mu        sync.Mutex
	processed map[string]int
	emitted   map[string]int
	lastSeq   map[string]uint64
	ordered   bool
	// finished holds, per stage, how many frames were processed and
	// emitted when Finished was called, and how often it was called.
	finished map[string][3]int
}

func newRecordingObserver() *recordingObserver {
	return &recordingObserver{processed: map[string]int{}, emitted: map[string]int{},
		lastSeq: map[string]uint64{}, ordered: true, finished: map[string][3]int{}}
}

func (o *recordingObserver) Processed(s *pipeline.Stats, frames int, d time.Duration) {
	o.mu.Lock()
	o.processed[s.Stage] += frames
	o.mu.Unlock()
}

func (o *recordingObserver) Dropped(*pipeline.Stats, string, int) {}

func (o *recordingObserver) Emitted(s *pipeline.Stats, m pipeline.Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, f := range m.Frames {
		if f.Seq <= o.lastSeq[s.Stage] {
			o.ordered = false
		}
		o.lastSeq[s.Stage] = f.Seq
	}
	o.emitted[s.Stage] += len(m.Frames)
}

func (o *recordingObserver) Finished(s *pipeline.Stats) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.finished[s.Stage]
	o.finished[s.Stage] = [3]int{o.processed[s.Stage], o.emitted[s.Stage], f[2] + 1}
}

func TestEmitObserverSeesEveryEmit(t *testing.T) {
	obs := newRecordingObserver()
	nodes := []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 500}},
		{Name: "pass", Stage: passThrough{}},
		{Name: "sink", Stage: &countSink{}},
	}
	for i := range nodes {
		nodes[i].Stats = pipeline.NewStats("t", nodes[i].Name, "", "")
		nodes[i].Stats.SetObserver(obs)
	}
	p, err := pipeline.New("t", nodes, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for stage, want := range map[string]int{"capture": 500, "pass": 500} {
		if got := obs.emitted[stage]; got != want {
			t.Errorf("emitted by %s = %d, want %d", stage, got, want)
		}
	}
	if got := obs.emitted["sink"]; got != 0 {
		t.Errorf("a sink emits nothing, observer saw %d", got)
	}
	if got := obs.processed["pass"]; got != 500 {
		t.Errorf("processed by pass = %d, want 500", got)
	}
	if !obs.ordered {
		t.Error("emits were observed out of sequence order")
	}
	// Each stage finishes once, after all its measurements.
	for stage, want := range map[string][3]int{"capture": {0, 500, 1}, "pass": {500, 500, 1}, "sink": {500, 0, 1}} {
		if got := obs.finished[stage]; got != want {
			t.Errorf("%s finished with (processed, emitted, calls) %v, want %v", stage, got, want)
		}
	}
}
