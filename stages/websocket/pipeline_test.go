package websocket_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// gatedSource waits until ready is closed, then emits n frames (or frames
// until cancelled when n < 0).
type gatedSource struct {
	ready <-chan struct{}
	n     int
}

func (s gatedSource) Run(ctx context.Context, out pipeline.Output) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil
	}
	var seq pipeline.Sequencer
	for i := 0; s.n < 0 || i < s.n; i++ {
		if ctx.Err() != nil {
			return nil
		}
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, payload("high", uint64(i+1), 64))
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			return nil
		}
		if s.n < 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// tiering stands in for the quality stage: every frame goes to "high",
// every third also to "low".
type tiering struct{ high atomic.Int64 }

func (p *tiering) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	for _, f := range m.Frames {
		if err := out.Emit(ctx, pipeline.Single("high", f)); err != nil {
			return err
		}
		p.high.Add(1)
		if f.Seq%3 == 0 {
			if err := out.Emit(ctx, pipeline.Single("low", f)); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestInPipeline runs the sink built by its factory in a real pipeline and
// checks the close code and that every frame reached the client, for both
// ways a pipeline ends normally.
func TestInPipeline(t *testing.T) {
	tests := []struct {
		name     string
		frames   int // < 0: run until cancelled
		wantCode int
	}{
		{"end of stream", 500, wire.CloseNormal},
		{"shutdown", -1, wire.CloseGoingAway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready := make(chan struct{})
			tiers := &tiering{}
			cfg := pipeline.NewConfig(sink.Kind.Spec, "ws").
				Set("listen", "127.0.0.1:0", pipeline.Range{}).
				Set("send_queue", 1024, pipeline.Range{})
			stats := pipeline.NewStats("p", "ws", pipeline.FamilySink, "websocket")
			stage, err := sink.Kind.New(cfg, pipeline.Env{Pipeline: "p", Stage: "ws", Upstream: threeTiers(),
				Logger: slog.New(slog.DiscardHandler), Report: stats})
			if err != nil {
				t.Fatal(err)
			}
			ws := stage.(*sink.Sink)
			p, err := pipeline.New("p", []pipeline.Node{
				{Name: "capture", Stage: gatedSource{ready: ready, n: tt.frames}},
				{Name: "quality", Stage: tiers},
				{Name: "ws", Stage: ws, Stats: stats},
			}, pipeline.Options{DrainTimeout: wait})
			if err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ran := make(chan error, 1)
			go func() { ran <- p.Run(ctx) }()

			// Connect once the sink listens, then let the frames flow.
			waitFor(t, "the sink to listen", func() bool { return ws.Addr() != nil })
			dctx, dcancel := context.WithTimeout(context.Background(), wait)
			c, err := wire.Dial(dctx, ws.URL(), "high")
			dcancel()
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			close(ready)

			type result struct {
				seqs []uint64
				code int
				err  error
			}
			read := make(chan result, 1)
			go func() {
				seqs, code, err := collect(c)
				read <- result{seqs, code, err}
			}()
			if tt.frames < 0 {
				waitFor(t, "some frames to flow", func() bool { return tiers.high.Load() >= 200 })
				cancel()
			}
			if err := <-ran; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("Run: %v", err)
			}
			r := <-read
			if r.err != nil {
				t.Fatal(r.err)
			}

			if r.code != tt.wantCode {
				t.Errorf("close code %d, want %d", r.code, tt.wantCode)
			}
			if want := tiers.high.Load(); int64(len(r.seqs)) != want {
				t.Errorf("client got %d frames, the pipeline emitted %d on its tier", len(r.seqs), want)
			}
			for i, seq := range r.seqs {
				if seq != uint64(i+1) {
					t.Fatalf("frame %d has seq %d, want %d", i, seq, i+1)
				}
			}
			st := p.Stats()[2]
			if st.DroppedTotal() != 0 {
				t.Errorf("the sink dropped frames: %v", st.Drops)
			}
		})
	}
}
