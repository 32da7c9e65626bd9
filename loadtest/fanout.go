package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// Options configure a fan-out run.
type Options struct {
	// URL is the sink's WebSocket address, ws://host:port/path.
	URL string
	// Clients is how many clients connect.
	Clients int
	// Mix spreads clients over tiers; DefaultMix when nil.
	Mix Mix
	// Warmup is how long to wait once every client is connected before
	// measuring (default 2s); Duration is how long to measure (default
	// 10s).
	Warmup, Duration time.Duration
	// CaptureFPS is the capture's frame rate, used to work out which frames
	// each tier should receive. Zero takes the fastest tier's rate from the
	// hello.
	CaptureFPS float64
	// DialConcurrency bounds connection attempts in flight (default 64).
	DialConcurrency int
	// ServerPID, when set, is the server process whose CPU time and peak
	// memory are measured over the measured window.
	ServerPID int
	// Progress, when set, receives one-line progress reports.
	Progress func(msg string)
}

// Latency summarises latencies from capture to receipt.
type Latency struct {
	P50, P95, P99, Max time.Duration
}

// TierResult is what the clients of one tier received.
type TierResult struct {
	Tier    string
	Clients int
	// TierFPS is the tier's nominal rate; FPS the mean rate each client
	// received, MinFPS the slowest client's.
	TierFPS, FPS, MinFPS float64
	// Frames were received; Expected should have been, given the
	// sequence numbers seen; Missed = Expected - Frames.
	Frames, Expected, Missed uint64
	// Batches received and their mean size in frames.
	Batches   uint64
	MeanBatch float64
	Latency
}

// MissedRatio returns Missed/Expected.
func (t TierResult) MissedRatio() float64 {
	if t.Expected == 0 {
		return 0
	}
	return float64(t.Missed) / float64(t.Expected)
}

// ServerUsage is what the server process spent during the measured window.
type ServerUsage struct {
	// CPU is in cores: 0.5 means half of one core on average.
	CPU     float64
	PeakRSS uint64
}

// Result is the outcome of a fan-out run.
type Result struct {
	Clients, Connected, DialErrors int
	// Disconnected counts clients the server closed during the run, by
	// close code.
	Disconnected map[int]int
	Measured     time.Duration
	Tiers        []TierResult
	All          TierResult
	Server       *ServerUsage
}

// client is one connection's tally over the measured window.
type client struct {
	tier                string
	tierFPS, captureFPS float64
	frames, batches     uint64
	firstSeq, lastSeq   uint64
	latencies           []int64
	closeCode           int
}

// Fanout connects opts.Clients clients, measures what they receive for
// opts.Duration and returns the result. It stops early when ctx ends.
func Fanout(ctx context.Context, opts Options) (*Result, error) {
	if opts.Clients <= 0 {
		return nil, errors.New("loadtest: need at least one client")
	}
	if opts.Mix == nil {
		opts.Mix = DefaultMix
	}
	if opts.Warmup <= 0 {
		opts.Warmup = 2 * time.Second
	}
	if opts.Duration <= 0 {
		opts.Duration = 10 * time.Second
	}
	if opts.DialConcurrency <= 0 {
		opts.DialConcurrency = 64
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}

	// Connect everyone first, a bounded number at a time.
	tiers := opts.Mix.Assign(opts.Clients)
	conns := make([]*wire.Client, opts.Clients)
	var dialErrs atomic.Int64
	var firstErr atomic.Pointer[error]
	sem := make(chan struct{}, opts.DialConcurrency)
	var wg sync.WaitGroup
	for i, tier := range tiers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := wire.Dial(dctx, opts.URL, tier)
			if err != nil {
				dialErrs.Add(1)
				firstErr.CompareAndSwap(nil, &err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	connected := opts.Clients - int(dialErrs.Load())
	progress(fmt.Sprintf("%d of %d clients connected", connected, opts.Clients))
	if connected == 0 {
		return nil, fmt.Errorf("loadtest: no client could connect: %w", *firstErr.Load())
	}

	// Every client reads from now on; only what arrives inside the
	// measured window counts.
	start := time.Now().Add(opts.Warmup)
	end := start.Add(opts.Duration)
	tallies := make([]*client, len(conns))
	for i, c := range conns {
		if c == nil {
			continue
		}
		t := &client{tier: c.Hello.Quality, captureFPS: opts.CaptureFPS}
		if tier, ok := c.Hello.Tier(t.tier); ok {
			t.tierFPS = tier.FPS
		}
		if t.captureFPS == 0 && len(c.Hello.Tiers) > 0 {
			t.captureFPS = c.Hello.Tiers[0].FPS
		}
		t.latencies = make([]int64, 0, int(t.tierFPS*opts.Duration.Seconds()*1.2)+16)
		tallies[i] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.read(c, start, end)
		}()
	}

	var server *ServerUsage
	var serverErr error
	if opts.ServerPID > 0 {
		server, serverErr = measureServer(ctx, int32(opts.ServerPID), start, end)
	} else {
		select {
		case <-time.After(time.Until(end)):
		case <-ctx.Done():
		}
	}
	// Reads past the window end by themselves at the next batch; closing
	// unblocks clients the server stopped sending to.
	for _, c := range conns {
		if c != nil {
			c.CloseNow()
		}
	}
	wg.Wait()
	if serverErr != nil {
		return nil, serverErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{
		Clients:      opts.Clients,
		Connected:    connected,
		DialErrors:   int(dialErrs.Load()),
		Disconnected: map[int]int{},
		Measured:     opts.Duration,
		Server:       server,
	}
	res.Tiers, res.All = summarise(tallies, opts.Mix, opts.Duration)
	for _, t := range tallies {
		if t != nil && t.closeCode != 0 {
			res.Disconnected[t.closeCode]++
		}
	}
	return res, nil
}

// read tallies batches until the window ends or the connection fails.
func (t *client) read(c *wire.Client, start, end time.Time) {
	for {
		b, err := c.NextBatch(context.Background())
		if err != nil {
			var se *wire.ServerError
			if errors.As(err, &se) {
				continue
			}
			if time.Now().Before(end) {
				t.closeCode = wire.CloseCode(err)
				if t.closeCode == 0 {
					t.closeCode = wire.CloseAbnormal
				}
			}
			return
		}
		if b.Received.Before(start) {
			continue
		}
		if b.Received.After(end) {
			return
		}
		t.batches++
		for _, f := range b.Frames {
			if t.firstSeq == 0 {
				t.firstSeq = f.Seq
			}
			t.lastSeq = f.Seq
			t.frames++
			t.latencies = append(t.latencies, int64(b.Received.Sub(f.Captured)))
		}
	}
}

// summarise folds client tallies into per-tier results and an overall one.
func summarise(tallies []*client, mix Mix, window time.Duration) ([]TierResult, TierResult) {
	byTier := map[string]*TierResult{}
	lat := map[string][]int64{}
	all := TierResult{Tier: "all", MinFPS: -1}
	var allLat []int64
	for _, s := range mix {
		byTier[s.Tier] = &TierResult{Tier: s.Tier, MinFPS: -1}
	}
	for _, t := range tallies {
		if t == nil {
			continue
		}
		r, ok := byTier[t.tier]
		if !ok {
			r = &TierResult{Tier: t.tier, MinFPS: -1}
			byTier[t.tier] = r
		}
		fps := float64(t.frames) / window.Seconds()
		expected := expectedFrames(t.firstSeq, t.lastSeq, t.tierFPS, t.captureFPS)
		for _, x := range []*TierResult{r, &all} {
			x.Clients++
			x.TierFPS = t.tierFPS
			x.FPS += fps
			if x.MinFPS < 0 || fps < x.MinFPS {
				x.MinFPS = fps
			}
			x.Frames += t.frames
			x.Batches += t.batches
			x.Expected += expected
		}
		lat[t.tier] = append(lat[t.tier], t.latencies...)
		allLat = append(allLat, t.latencies...)
	}
	finish := func(x *TierResult, l []int64) {
		if x.Clients > 0 {
			x.FPS /= float64(x.Clients)
		}
		if x.MinFPS < 0 {
			x.MinFPS = 0
		}
		if x.Expected > x.Frames {
			x.Missed = x.Expected - x.Frames
		}
		if x.Batches > 0 {
			x.MeanBatch = float64(x.Frames) / float64(x.Batches)
		}
		x.Latency = percentiles(l)
	}
	var out []TierResult
	for _, s := range mix {
		r := byTier[s.Tier]
		finish(r, lat[s.Tier])
		out = append(out, *r)
		delete(byTier, s.Tier)
	}
	// Tiers the server granted that the mix did not name (a fallback).
	for name, r := range byTier {
		finish(r, lat[name])
		out = append(out, *r)
	}
	all.TierFPS = 0
	finish(&all, allLat)
	return out, all
}

// percentiles returns nearest-rank percentiles of l, sorting it.
func percentiles(l []int64) Latency {
	if len(l) == 0 {
		return Latency{}
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	at := func(p float64) time.Duration {
		i := int(p*float64(len(l))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(l) {
			i = len(l) - 1
		}
		return time.Duration(l[i])
	}
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: time.Duration(l[len(l)-1])}
}
