package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/loadtest"
	"github.com/streampipe/streampipe/pipeline"
)

func (a *app) benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure streampipe on this machine",
		// Only an unknown subcommand, or none, gets here.
		Action: func(_ context.Context, cmd *cli.Command) error {
			if name := cmd.Args().First(); name != "" {
				return unknownSubcommand(name, cmd)
			}
			return usageErrorf("bench needs a subcommand: %s; run 'streampipe bench --help'",
				subcommandNames(cmd, "or"))
		},
		Commands: []*cli.Command{{
			Name:  "fanout",
			Usage: "one stream of fixed-size frames to many local WebSocket clients",
			Description: "Starts `streampipe run` on a generated pipeline (files capture of one padded\n" +
				"JPEG, tiers by frame rate only, batching, a WebSocket sink) as a separate\n" +
				"process, connects the clients from this process, and reports delivered fps,\n" +
				"latency from capture to receipt and missed frames per tier, with the\n" +
				"server's CPU (in cores) and peak memory. With -steps it repeats the run for\n" +
				"each client count.",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "clients", Value: 200, Usage: "number of clients"},
				&cli.StringFlag{Name: "steps", Usage: "comma-separated client counts to run one after another (overrides -clients)"},
				&cli.StringFlag{Name: "mix", Value: loadtest.DefaultMix.String(), Usage: "tier shares in percent"},
				&cli.StringFlag{Name: "frame-size", Value: "16KiB", Usage: "payload size of every frame"},
				&cli.FloatFlag{Name: "fps", Value: 30, Usage: "capture frame rate"},
				&cli.DurationFlag{Name: "duration", Value: 30 * time.Second, Usage: "measured window per run"},
				&cli.DurationFlag{Name: "warmup", Value: 3 * time.Second, Usage: "wait after connecting, before measuring"},
				&cli.DurationFlag{Name: "batch-window", Value: 0, Usage: "the batch stage's window"},
				&cli.IntFlag{Name: "max-batch", Value: 5, Usage: "the batch stage's max_size"},
				&cli.IntFlag{Name: "send-queue", Value: 16, Usage: "the sink's per-client send_queue"},
				&cli.BoolFlag{Name: "json", Usage: "print results as JSON"},
				&cli.StringFlag{Name: "url", Usage: "measure a server that is already running at this ws:// URL instead of starting one (frame-size, fps and batch flags then only describe it)"},
				&cli.IntFlag{Name: "server-pid", Usage: "with -url: the server's process id, to measure its CPU and memory"},
			},
			Action: a.benchFanout,
		}},
	}
}

// fanoutRun is one run's settings and result, as printed with -json.
type fanoutRun struct {
	Clients     int              `json:"clients"`
	Mix         string           `json:"mix"`
	FrameSize   int              `json:"frame_size"`
	FPS         float64          `json:"fps"`
	BatchWindow string           `json:"batch_window"`
	MaxBatch    int              `json:"max_batch"`
	Result      *loadtest.Result `json:"result"`
}

func (a *app) benchFanout(ctx context.Context, cmd *cli.Command) error {
	mix, err := loadtest.ParseMix(cmd.String("mix"))
	if err != nil {
		return usageErrorf("%v", err)
	}
	size, err := pipeline.ParseSize(cmd.String("frame-size"))
	switch {
	case err != nil:
		return usageErrorf("-frame-size: %v; write a size such as 16KiB", err)
	case size <= 0:
		return usageErrorf("-frame-size: frames need at least 1 byte")
	}
	if cmd.Int("clients") <= 0 {
		return usageErrorf("-clients: %d is not a client count; give 1 or more", cmd.Int("clients"))
	}
	steps := []int{int(cmd.Int("clients"))}
	if s := cmd.String("steps"); s != "" {
		steps = steps[:0]
		for _, part := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n <= 0 {
				return usageErrorf("-steps: %q is not a client count", part)
			}
			steps = append(steps, n)
		}
	}

	var runs []fanoutRun
	for _, clients := range steps {
		run := fanoutRun{
			Clients: clients, Mix: mix.String(), FrameSize: int(size), FPS: cmd.Float("fps"),
			BatchWindow: cmd.Duration("batch-window").String(), MaxBatch: int(cmd.Int("max-batch")),
		}
		res, err := a.fanoutOnce(ctx, cmd, run, mix)
		if err != nil {
			return &exitError{code: exitFailure, msg: err.Error()}
		}
		run.Result = res
		runs = append(runs, run)
		if !cmd.Bool("json") {
			printFanout(a, run)
		}
	}
	if cmd.Bool("json") {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	return nil
}

// fanoutOnce starts a server process, runs the clients against it and
// stops it.
func (a *app) fanoutOnce(ctx context.Context, cmd *cli.Command, run fanoutRun, mix loadtest.Mix) (*loadtest.Result, error) {
	if url := cmd.String("url"); url != "" {
		return a.fanoutClients(ctx, cmd, run, mix, url, int(cmd.Int("server-pid")))
	}
	dir, err := os.MkdirTemp("", "streampipe-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	frame, err := loadtest.PaddedJPEG(run.FrameSize)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "frame.jpg"), frame, 0o644); err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(fanoutPipeline, run.FPS, run.FPS, run.FPS*2/3, run.FPS/3,
		quote(run.BatchWindow), run.MaxBatch, quote(addr), run.Clients+100, cmd.Int("send-queue"))
	confPath := filepath.Join(dir, "fanout.hcl")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}

	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	server := exec.Command(self, "-log-level", "warn", "run", confPath)
	server.Stdout, server.Stderr = a.stderr, a.stderr
	if err := server.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = server.Process.Kill()
			<-done
		}
	}()
	if err := waitForPort(ctx, addr, 15*time.Second); err != nil {
		return nil, fmt.Errorf("server did not start listening on %s: %w", addr, err)
	}

	return a.fanoutClients(ctx, cmd, run, mix, "ws://"+addr+"/stream", server.Process.Pid)
}

// fanoutClients runs the clients against the server at url.
func (a *app) fanoutClients(ctx context.Context, cmd *cli.Command, run fanoutRun, mix loadtest.Mix,
	url string, pid int) (*loadtest.Result, error) {
	fmt.Fprintf(a.stderr, "fanout: %d clients, %s frames at %g fps, mix %s, measuring %s\n",
		run.Clients, humanize.IBytes(uint64(run.FrameSize)), run.FPS, run.Mix, cmd.Duration("duration"))
	return loadtest.Fanout(ctx, loadtest.Options{
		URL:        url,
		Clients:    run.Clients,
		Mix:        mix,
		Warmup:     cmd.Duration("warmup"),
		Duration:   cmd.Duration("duration"),
		CaptureFPS: run.FPS,
		ServerPID:  pid,
		Progress:   func(msg string) { fmt.Fprintln(a.stderr, "fanout:", msg) },
	})
}

// fanoutPipeline is the server side of the fan-out benchmark: frames by
// frame rate only, so the sink's fan-out is what is measured.
const fanoutPipeline = `pipeline "fanout" {
  capture "files" {
    path = "frame.jpg"
    fps  = %g
    loop = true
  }
  quality {
    tier "high" {
      fps = %g
    }
    tier "medium" {
      fps = %g
    }
    tier "low" {
      fps = %g
    }
  }
  batch {
    window   = %s
    min_size = 1
    max_size = %d
  }
  sink "websocket" {
    listen      = %s
    path        = "/stream"
    max_clients = %d
    send_queue  = %d
    viewer      = false
  }
}
`

func quote(s string) string { return strconv.Quote(s) }

func printFanout(a *app, run fanoutRun) {
	r := run.Result
	fmt.Fprintf(a.stdout, "\n%d clients (%d connected, %d dial errors), %s frames, %g fps capture, batch window %s, max %d; measured %s\n",
		run.Clients, r.Connected, r.DialErrors, humanize.IBytes(uint64(run.FrameSize)), run.FPS,
		run.BatchWindow, run.MaxBatch, r.Measured)
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tier\tclients\ttier fps\tfps/client\tmin fps\tframes\tmissed\tbatch\tp50\tp95\tp99\tmax\t")
	for _, t := range append(r.Tiers, r.All) {
		tierFPS := "-" // the "all" row mixes tiers
		if t.TierFPS > 0 {
			tierFPS = fmt.Sprint(t.TierFPS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.2f\t%.2f\t%d\t%d (%.3f%%)\t%.2f\t%s\t%s\t%s\t%s\t\n",
			t.Tier, t.Clients, tierFPS, t.FPS, t.MinFPS, t.Frames, t.Missed, 100*t.MissedRatio(),
			t.MeanBatch, ms(t.P50), ms(t.P95), ms(t.P99), ms(t.Max))
	}
	tw.Flush()
	if r.Server != nil {
		fmt.Fprintf(a.stdout, "server: %.1f%% of one core, peak RSS %s\n", 100*r.Server.CPU, humanize.IBytes(r.Server.PeakRSS))
	}
	if len(r.Disconnected) > 0 {
		fmt.Fprintf(a.stdout, "disconnected by the server (close code: clients): %v\n", r.Disconnected)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitForPort(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
