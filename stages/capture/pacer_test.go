package capture

import (
	"context"
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	// A fake clock: the pacer only sleeps when the clock says a slot is
	// not due yet, which these cases avoid but for the first.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const fps = 10 // a slot every 100ms
	tests := []struct {
		name    string
		at      []time.Duration // clock reading at each wait, from start
		skipped []int64
		slots   int64 // the next slot after the last wait
	}{
		{"on time", []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}, []int64{0, 0, 0}, 3},
		{"late within a period", []time.Duration{0, 150 * time.Millisecond, 250 * time.Millisecond}, []int64{0, 0, 0}, 3},
		{"late by periods skips ahead",
			[]time.Duration{0, 100 * time.Millisecond, 550 * time.Millisecond, 600 * time.Millisecond},
			[]int64{0, 0, 3, 0}, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacer(fps)
			defer p.stop()
			for i, at := range tc.at {
				p.now = func() time.Time { return start.Add(at) }
				skipped, err := p.wait(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if skipped != tc.skipped[i] {
					t.Errorf("wait %d skipped %d slots, want %d", i, skipped, tc.skipped[i])
				}
			}
			if p.slot != tc.slots {
				t.Errorf("next slot = %d, want %d", p.slot, tc.slots)
			}
		})
	}
}

func TestPacerWaitsAndCancels(t *testing.T) {
	// The second slot of a 1 fps pacer is a second away: a cancelled
	// context must end the wait.
	p := newPacer(1)
	defer p.stop()
	if _, err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.wait(ctx)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("wait returned nil after cancellation")
		}
	case <-time.After(testTimeout):
		t.Fatal("wait ignored the cancellation")
	}
}
