package buffer_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/buffer"
)

// waitFor is how long a test waits for something that should happen at
// once; generous, because the machine may be loaded.
const waitFor = 10 * time.Second

// eventually polls cond until it holds or waitFor passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// reporter counts drops by reason.
type reporter struct {
	mu    sync.Mutex
	drops map[string]int
}

func newReporter() *reporter { return &reporter{drops: map[string]int{}} }

func (r *reporter) Drop(reason string, n int) {
	r.mu.Lock()
	r.drops[reason] += n
	r.mu.Unlock()
}
func (r *reporter) Skip(int)                          {}
func (r *reporter) SetHealth(pipeline.Health, string) {}
func (r *reporter) Processed(int, time.Duration)      {}

func (r *reporter) dropped(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drops[reason]
}

// gatedOutput records what is emitted, but holds every Emit until the gate
// is opened, so a test decides exactly when the buffer's output moves.
type gatedOutput struct {
	entered chan struct{} // receives a token each time Emit is entered
	gate    chan struct{} // closed to let every Emit through

	mu   sync.Mutex
	seqs []uint64
	tier []string
}

func newGatedOutput() *gatedOutput {
	return &gatedOutput{entered: make(chan struct{}, 1), gate: make(chan struct{})}
}

func (o *gatedOutput) Emit(ctx context.Context, m pipeline.Message) error {
	select {
	case o.entered <- struct{}{}:
	default:
	}
	select {
	case <-o.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(m.Frames) != 1 {
		return fmt.Errorf("emitted %d frames in one message, want 1", len(m.Frames))
	}
	o.seqs = append(o.seqs, m.Frames[0].Seq)
	o.tier = append(o.tier, m.Tier)
	return nil
}

func (o *gatedOutput) delivered() ([]uint64, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]uint64(nil), o.seqs...), append([]string(nil), o.tier...)
}

func frame(seq uint64) *pipeline.Frame {
	return pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, []byte{byte(seq)})
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// start runs b in the background and returns its input and its result.
func start(ctx context.Context, b *buffer.Buffer, out pipeline.Output) (chan pipeline.Message, chan error) {
	in := make(chan pipeline.Message)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, in, out) }()
	return in, done
}

func result(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(waitFor):
		t.Fatal("Run did not return")
		return nil
	}
}

// TestPolicies pushes 100 frames into a capacity-10 buffer whose output is
// held. Frame 1 is taken by the output at once and stays in flight; the
// policy decides what happens to frames 2..100.
func TestPolicies(t *testing.T) {
	tests := []struct {
		policy      buffer.Policy
		want        []uint64
		wantDropped int
	}{
		{buffer.DropOldest, append([]uint64{1}, seqRange(91, 100)...), 89},
		{buffer.DropNewest, seqRange(1, 11), 89},
		{buffer.Block, seqRange(1, 100), 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			rep := newReporter()
			b, err := buffer.New(buffer.Options{Capacity: 10, OnFull: tt.policy}, pipeline.Env{Report: rep})
			if err != nil {
				t.Fatal(err)
			}
			out := newGatedOutput()
			in, done := start(context.Background(), b, out)

			// Put frame 1 in flight, so the rest meet a known state.
			in <- pipeline.Single("high", frame(1))
			select {
			case <-out.entered:
			case <-time.After(waitFor):
				t.Fatal("the buffer never emitted frame 1")
			}

			// Produce the rest; under Block the producer must stall.
			var sent atomic.Int64
			sent.Store(1)
			produced := make(chan struct{})
			go func() {
				defer close(produced)
				for seq := uint64(2); seq <= 100; seq++ {
					in <- pipeline.Single("high", frame(seq))
					sent.Add(1)
				}
				close(in)
			}()

			if tt.policy == buffer.Block {
				// One frame in flight, ten queued, and the link is
				// unbuffered, so exactly 11 sends can have completed.
				eventually(t, "a full queue", func() bool {
					n, _ := b.QueueLen()
					return n == 10 && sent.Load() == 11
				})
				for range 50 {
					time.Sleep(time.Millisecond)
					if got := sent.Load(); got != 11 {
						t.Fatalf("producer sent %d frames into a full blocking buffer, want 11", got)
					}
				}
			} else {
				<-produced
				eventually(t, "the drops", func() bool {
					return rep.dropped(pipeline.DropBufferFull) == tt.wantDropped
				})
			}
			if n, c := b.QueueLen(); n != 10 || c != 10 {
				t.Errorf("QueueLen = %d, %d; want 10, 10", n, c)
			}

			close(out.gate)
			if err := result(t, done); err != nil {
				t.Fatalf("Run: %v", err)
			}
			<-produced
			got, tiers := out.delivered()
			if !equalSeqs(got, tt.want) {
				t.Errorf("delivered %v\nwant %v", got, tt.want)
			}
			for i, tier := range tiers {
				if tier != "high" {
					t.Fatalf("frame %d has tier %q, want high", got[i], tier)
				}
			}
			if d := rep.dropped(pipeline.DropBufferFull); d != tt.wantDropped {
				t.Errorf("dropped %d, want %d", d, tt.wantDropped)
			}
			if n, _ := b.QueueLen(); n != 0 {
				t.Errorf("QueueLen after drain = %d, want 0", n)
			}
		})
	}
}

// TestOrderAndTiers feeds multi-frame messages of several tiers and checks
// that frames come out one per message, in order, each with its tier.
func TestOrderAndTiers(t *testing.T) {
	for _, policy := range buffer.Policies {
		t.Run(string(policy), func(t *testing.T) {
			b, err := buffer.New(buffer.Options{Capacity: 1000, OnFull: policy}, pipeline.Env{})
			if err != nil {
				t.Fatal(err)
			}
			out := newGatedOutput()
			close(out.gate)
			in, done := start(context.Background(), b, out)

			var wantSeqs []uint64
			var wantTiers []string
			seq := uint64(0)
			for i := range 200 {
				tier := []string{"high", "medium", "low"}[i%3]
				m := pipeline.Message{Tier: tier}
				for range i%4 + 1 {
					seq++
					m.Frames = append(m.Frames, frame(seq))
					wantSeqs = append(wantSeqs, seq)
					wantTiers = append(wantTiers, tier)
				}
				in <- m
			}
			close(in)
			if err := result(t, done); err != nil {
				t.Fatal(err)
			}
			got, tiers := out.delivered()
			if !equalSeqs(got, wantSeqs) {
				t.Fatalf("delivered %d frames out of order or incomplete, want %d", len(got), len(wantSeqs))
			}
			for i := range tiers {
				if tiers[i] != wantTiers[i] {
					t.Fatalf("frame %d has tier %q, want %q", got[i], tiers[i], wantTiers[i])
				}
			}
		})
	}
}

// TestDrainOnClose closes the input while the buffer holds frames: every
// one must still go out before Run returns.
func TestDrainOnClose(t *testing.T) {
	b, err := buffer.New(buffer.Options{Capacity: 10}, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out := newGatedOutput()
	in, done := start(context.Background(), b, out)
	for seq := uint64(1); seq <= 11; seq++ {
		in <- pipeline.Single("", frame(seq))
	}
	close(in)
	eventually(t, "a full queue", func() bool { n, _ := b.QueueLen(); return n == 10 })
	select {
	case err := <-done:
		t.Fatalf("Run returned %v while holding frames", err)
	default:
	}

	close(out.gate)
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.delivered(); !equalSeqs(got, seqRange(1, 11)) {
		t.Errorf("delivered %v, want 1..11", got)
	}
}

// TestCancelCountsShutdownDrops aborts a buffer that holds frames: they are
// reported as dropped for shutdown and Run returns the context's error.
func TestCancelCountsShutdownDrops(t *testing.T) {
	for _, policy := range buffer.Policies {
		t.Run(string(policy), func(t *testing.T) {
			rep := newReporter()
			b, err := buffer.New(buffer.Options{Capacity: 10, OnFull: policy}, pipeline.Env{Report: rep})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := newGatedOutput()
			in, done := start(ctx, b, out)
			for seq := uint64(1); seq <= 11; seq++ {
				in <- pipeline.Single("", frame(seq))
			}
			eventually(t, "a full queue", func() bool { n, _ := b.QueueLen(); return n == 10 })

			cancel()
			if err := result(t, done); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			// The frame in flight is the Output's to count (the runtime's
			// does); the ten queued are the buffer's.
			if d := rep.dropped(pipeline.DropShutdown); d != 10 {
				t.Errorf("shutdown drops = %d, want 10", d)
			}
			if n, _ := b.QueueLen(); n != 0 {
				t.Errorf("QueueLen after abort = %d, want 0", n)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []buffer.Options{
		{Capacity: -1},
		{Capacity: buffer.MaxCapacity + 1},
		{OnFull: "drop_random"},
	}
	for _, opts := range tests {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			if _, err := buffer.New(opts, pipeline.Env{}); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", opts)
			}
		})
	}
}

// failingOutput fails every emit with an error of its own, as a custom
// Output might, while the context stays alive.
type failingOutput struct{}

func (failingOutput) Emit(context.Context, pipeline.Message) error { return errors.New("broken link") }

func TestEmitFailureStopsRun(t *testing.T) {
	rep := newReporter()
	b, err := buffer.New(buffer.Options{Capacity: 10, OnFull: buffer.Block}, pipeline.Env{Report: rep})
	if err != nil {
		t.Fatal(err)
	}
	in, done := start(context.Background(), b, failingOutput{})
	in <- pipeline.Single("", frame(1))
	if err := result(t, done); err == nil || err.Error() != "broken link" {
		t.Fatalf("Run = %v, want the emit error", err)
	}
}
