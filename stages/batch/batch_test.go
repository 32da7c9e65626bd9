package batch_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
)

const waitFor = 10 * time.Second

// recorder is an Output that keeps every batch, synchronously.
type recorder struct {
	mu   sync.Mutex
	msgs []pipeline.Message
	at   []time.Time
}

func (r *recorder) Emit(_ context.Context, m pipeline.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.at = append(r.at, time.Now())
	return nil
}

func (r *recorder) batches() []pipeline.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.Message(nil), r.msgs...)
}

// sizes renders the batches as "tier:seq,seq tier:seq".
func sizes(msgs []pipeline.Message) string {
	s := ""
	for i, m := range msgs {
		if i > 0 {
			s += " "
		}
		s += m.Tier + ":"
		for j, f := range m.Frames {
			if j > 0 {
				s += ","
			}
			s += fmt.Sprint(f.Seq)
		}
	}
	return s
}

func (r *recorder) waitFrames(t *testing.T, n int) []pipeline.Message {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		msgs := r.batches()
		got := 0
		for _, m := range msgs {
			got += len(m.Frames)
		}
		if got >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d frames (%s), want %d", got, sizes(msgs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

type reporter struct {
	mu    sync.Mutex
	drops map[string]int
}

func (r *reporter) Drop(reason string, n int) {
	r.mu.Lock()
	r.drops[reason] += n
	r.mu.Unlock()
}
func (r *reporter) Skip(int)                          {}
func (r *reporter) SetHealth(pipeline.Health, string) {}
func (r *reporter) Processed(int, time.Duration)      {}

func msg(tier string, seq uint64) pipeline.Message {
	return pipeline.Single(tier, pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, nil))
}

func start(t *testing.T, ctx context.Context, opts batch.Options, in chan pipeline.Message,
	rep pipeline.Reporter) (*recorder, chan error) {
	t.Helper()
	b, err := batch.New(opts, pipeline.Env{Report: rep})
	if err != nil {
		t.Fatal(err)
	}
	out := &recorder{}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, in, out) }()
	return out, done
}

func finish(t *testing.T, in chan pipeline.Message, done chan error) {
	t.Helper()
	close(in)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after the input closed")
	}
}

// TestBurstAlreadyWaiting queues frames before the batcher starts, so it
// finds them all waiting: full batches, then the rest once the input is
// momentarily empty, without the input closing.
func TestBurstAlreadyWaiting(t *testing.T) {
	tests := []struct {
		name  string
		tiers []string // tier of frame i, cycling
		n     int
		want  string
	}{
		{"one tier", []string{"high"}, 12, "high:1,2,3,4,5 high:6,7,8,9,10 high:11,12"},
		{"two tiers", []string{"high", "low"}, 12, "high:1,3,5,7,9 low:2,4,6,8,10 high:11 low:12"},
		{"exactly max", []string{"high"}, 5, "high:1,2,3,4,5"},
		{"single", []string{"low"}, 1, "low:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make(chan pipeline.Message, 64)
			for i := range tt.n {
				in <- msg(tt.tiers[i%len(tt.tiers)], uint64(i+1))
			}
			out, done := start(t, context.Background(), batch.Options{}, in, nil)
			if got := sizes(out.waitFrames(t, tt.n)); got != tt.want {
				t.Errorf("batches %s\nwant    %s", got, tt.want)
			}
			finish(t, in, done)
		})
	}
}

// TestBoundsAndOrder throws random bursts of random tiers at batchers of
// several sizes: no batch exceeds max_size or mixes tiers, and each tier
// gets all its frames in order.
func TestBoundsAndOrder(t *testing.T) {
	for _, opts := range []batch.Options{
		{MaxSize: 1},
		{MaxSize: 5},
		{MinSize: 3, MaxSize: 4},
		{MaxSize: 255},
		{Window: time.Millisecond, MaxSize: 7},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(opts.MaxSize)))
			in := make(chan pipeline.Message, 32)
			out, done := start(t, context.Background(), opts, in, nil)
			want := map[string][]uint64{}
			seq := uint64(0)
			for range 300 {
				tier := []string{"a", "b", "c"}[rng.IntN(3)]
				m := pipeline.Message{Tier: tier}
				for range rng.IntN(3) + 1 {
					seq++
					m.Frames = append(m.Frames, pipeline.NewFrame(seq, time.Now(), "", nil))
					want[tier] = append(want[tier], seq)
				}
				in <- m
			}
			finish(t, in, done)

			got := map[string][]uint64{}
			max := opts.MaxSize
			for _, m := range out.batches() {
				if len(m.Frames) == 0 || len(m.Frames) > max {
					t.Fatalf("batch of %d frames, want 1..%d", len(m.Frames), max)
				}
				for _, f := range m.Frames {
					got[m.Tier] = append(got[m.Tier], f.Seq)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("per-tier frames\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestMinSizeWaits checks that with window 0 a batch below min_size waits
// for more frames of its tier. The input is unbuffered, so once a send
// completes the batcher has finished with the message before it.
func TestMinSizeWaits(t *testing.T) {
	in := make(chan pipeline.Message)
	out, done := start(t, context.Background(), batch.Options{MinSize: 3, MaxSize: 5}, in, nil)
	in <- msg("a", 1)
	in <- msg("a", 2)
	in <- msg("b", 3)
	in <- msg("b", 4) // a:1,2 and b:3 have been handled
	if got := out.batches(); len(got) != 0 {
		t.Fatalf("sent %s below min_size", sizes(got))
	}
	in <- msg("a", 5)
	if got := sizes(out.waitFrames(t, 3)); got != "a:1,2,5" {
		t.Errorf("batches %s, want a:1,2,5", got)
	}
	// On close, b goes out below min_size.
	finish(t, in, done)
	if got := sizes(out.batches()); got != "a:1,2,5 b:3,4" {
		t.Errorf("batches %s, want a:1,2,5 b:3,4", got)
	}
}

// TestWindowHoldsAndReleases: a batch below max_size is held until its
// window expires (never sooner), then sent below min_size.
func TestWindowHoldsAndReleases(t *testing.T) {
	const window = 150 * time.Millisecond
	in := make(chan pipeline.Message)
	out, done := start(t, context.Background(), batch.Options{Window: window, MinSize: 4, MaxSize: 5}, in, nil)
	first := time.Now()
	in <- msg("a", 1)
	in <- msg("a", 2)
	msgs := out.waitFrames(t, 2)
	if got := sizes(msgs); got != "a:1,2" {
		t.Errorf("batches %s, want a:1,2", got)
	}
	out.mu.Lock()
	sent := out.at[0]
	out.mu.Unlock()
	if held := sent.Sub(first); held < window {
		t.Errorf("batch sent after %v, before its %v window", held, window)
	}
	finish(t, in, done)
}

// TestWindowFullBatchGoesAtOnce: reaching max_size sends the batch without
// waiting for the window.
func TestWindowFullBatchGoesAtOnce(t *testing.T) {
	in := make(chan pipeline.Message)
	out, done := start(t, context.Background(), batch.Options{Window: batch.MaxWindow, MaxSize: 3}, in, nil)
	for seq := uint64(1); seq <= 4; seq++ {
		in <- msg("a", seq)
	}
	in <- msg("b", 5) // a:4 has been handled
	if got := sizes(out.batches()); got != "a:1,2,3" {
		t.Errorf("batches %s, want a:1,2,3 at once", got)
	}
	// Close drains the open windows long before they expire.
	begin := time.Now()
	finish(t, in, done)
	if got := sizes(out.batches()); got != "a:1,2,3 a:4 b:5" {
		t.Errorf("batches %s, want a:1,2,3 a:4 b:5", got)
	}
	if d := time.Since(begin); d >= batch.MaxWindow {
		t.Errorf("close took %v: it waited for the window", d)
	}
}

func TestTiersWindowIndependently(t *testing.T) {
	const window = 100 * time.Millisecond
	in := make(chan pipeline.Message)
	out, done := start(t, context.Background(), batch.Options{Window: window, MaxSize: 10}, in, nil)
	in <- msg("a", 1)
	out.waitFrames(t, 1)
	in <- msg("b", 2)
	in <- msg("b", 3)
	msgs := out.waitFrames(t, 3)
	if got := sizes(msgs); got != "a:1 b:2,3" {
		t.Errorf("batches %s, want a:1 b:2,3", got)
	}
	finish(t, in, done)
}

func TestCancelDropsPending(t *testing.T) {
	for _, window := range []time.Duration{0, batch.MaxWindow} {
		t.Run(window.String(), func(t *testing.T) {
			rep := &reporter{drops: map[string]int{}}
			ctx, cancel := context.WithCancel(context.Background())
			in := make(chan pipeline.Message)
			_, done := start(t, ctx, batch.Options{Window: window, MinSize: 4, MaxSize: 5}, in, rep)
			in <- msg("a", 1)
			in <- msg("a", 2)
			in <- msg("b", 3)
			in <- msg("c", 4) // the first three have been handled
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Run = %v, want context.Canceled", err)
				}
			case <-time.After(waitFor):
				t.Fatal("Run did not return after cancel")
			}
			if got := rep.drops[pipeline.DropShutdown]; got != 4 {
				t.Errorf("shutdown drops = %d, want 4", got)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	b, err := batch.New(batch.Options{Window: 40 * time.Millisecond, MinSize: 2, MaxSize: 8}, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	info := b.Describe(pipeline.StreamInfo{FPS: 30, Tiers: []pipeline.TierInfo{{Name: "high"}}})
	want := pipeline.BatchInfo{Window: 40 * time.Millisecond, MinSize: 2, MaxSize: 8}
	if info.Batch != want || info.FPS != 30 || len(info.Tiers) != 1 {
		t.Errorf("Describe = %+v, want batch %+v and the upstream kept", info, want)
	}
	b, _ = batch.New(batch.Options{}, pipeline.Env{})
	if got := b.Describe(pipeline.StreamInfo{}).Batch; got != (pipeline.BatchInfo{MinSize: 1, MaxSize: 5}) {
		t.Errorf("default batching = %+v, want min 1 max 5", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, opts := range []batch.Options{
		{Window: -time.Second},
		{Window: 11 * time.Second},
		{MinSize: -1},
		{MinSize: 256},
		{MaxSize: 256},
		{MinSize: 4, MaxSize: 3},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			if _, err := batch.New(opts, pipeline.Env{}); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", opts)
			}
		})
	}
}
