// Command behave is a test plugin: a passthrough whose settings inject the
// faults the host must survive (panics, hangs, exits) and changes it can be
// seen to make.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
)

var spec = pipeline.Spec{Attrs: []pipeline.Attr{
	{Name: "panic_at", Type: pipeline.TypeInt, Default: 0, Range: "[0,]", Doc: "Panic on this frame of the process's life (0: never)."},
	{Name: "hang_at", Type: pipeline.TypeInt, Default: 0, Range: "[0,]", Doc: "Stop answering on this frame (0: never)."},
	{Name: "exit_at", Type: pipeline.TypeInt, Default: 0, Range: "[0,]", Doc: "Exit with status 3 on this frame (0: never)."},
	{Name: "once_file", Type: pipeline.TypePath, Doc: "When set, a fault happens only if this file does not exist yet; it is created first."},
	{Name: "copy", Type: pipeline.TypeBool, Default: false, Doc: "Send every frame back as a copy instead of a reference."},
	{Name: "invert", Type: pipeline.TypeBool, Default: false, Doc: "Invert every payload byte."},
	{Name: "drop_odd", Type: pipeline.TypeBool, Default: false, Doc: "Drop frames with odd sequence numbers."},
	{Name: "greeting", Type: pipeline.TypeString, Doc: "Logged at warn level when configured."},
	{Name: "mode", Type: pipeline.TypeString, Default: "normal", OneOf: []string{"normal", "strict", "bad"}, Doc: "\"bad\" is refused by Configure."},
	{Name: "strength", Type: pipeline.TypeNumber, Default: 1.0, Range: "[0,1]", Doc: "Unused; exercises number ranges."},
	{Name: "delay", Type: pipeline.TypeDuration, Default: time.Duration(0), Doc: "Sleep this long per message."},
	{Name: "frame_delay", Type: pipeline.TypeDuration, Default: time.Duration(0), Doc: "Sleep this long per frame."},
	{Name: "spawn", Type: pipeline.TypePath, Doc: "Start this program at Configure, in the background, holding the plugin's stdout and stderr."},
	{Name: "configure_exit", Type: pipeline.TypeInt, Default: 0, Range: "[0,255]", Doc: "Exit with this status in Configure (0: never)."},
	{Name: "configure_hang", Type: pipeline.TypeBool, Default: false, Doc: "Never return from Configure."},
	{Name: "close_hang", Type: pipeline.TypeBool, Default: false, Doc: "Never return from Close."},
	{Name: "repeat", Type: pipeline.TypeInt, Default: 1, Range: "[1,10]", Doc: "Return every frame this many times."},
	{Name: "mangle", Type: pipeline.TypeString, Default: "none", OneOf: []string{"none", "zero_time", "empty_payload", "no_type"},
		Doc: "Return every frame as a new frame with this defect."},
	{Name: "fail", Type: pipeline.TypeBool, Default: false, Doc: "Return an error for every message."},
	{Name: "output_size", Type: pipeline.TypeSize, Default: int64(0), Doc: "Return frames whose seq is a multiple of 3 with a payload of this many bytes (0: unchanged)."},
	{Name: "log_bytes", Type: pipeline.TypeSize, Default: int64(0), Doc: "Write a line of this many bytes to stderr per message."},
	{Name: "log_lines", Type: pipeline.TypeInt, Default: 0, Range: "[0,]", Doc: "Write this many lines to stderr per message."},
}}

// The process's real stdout and stderr, kept before sdk.Serve replaces the
// os.Stdout and os.Stderr variables with pipes of go-plugin's.
var stdout, stderr = os.Stdout, os.Stderr

type stage struct {
	c    *pipeline.Config
	seen int
}

func (s *stage) Configure(ctx context.Context, c *pipeline.Config, env sdk.Env) error {
	if c.String("mode") == "bad" {
		return c.Errorf("mode", "Unsupported mode", "mode \"bad\" is refused on purpose; use \"normal\".")
	}
	if g := c.String("greeting"); g != "" {
		env.Logger.Warn("hello from the plugin", "greeting", g, "stage", env.Stage)
	}
	if p := c.String("spawn"); p != "" {
		// The helper gets the plugin's real stdout and stderr, as a
		// helper started by a careless plugin would.
		cmd := exec.Command(p)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("spawn: %w", err)
		}
		go func() { _ = cmd.Wait() }()
	}
	if n := c.Int("configure_exit"); n > 0 {
		fmt.Fprintln(stderr, "behave: exiting in Configure")
		os.Exit(n)
	}
	if c.Bool("configure_hang") {
		select {}
	}
	s.c = c
	return nil
}

// fault reports whether a fault set for frame n should happen now.
func (s *stage) fault(at int) bool {
	if at == 0 || s.seen != at {
		return false
	}
	if f := s.c.String("once_file"); f != "" {
		if _, err := os.Stat(f); err == nil {
			return false
		}
		_ = os.WriteFile(f, []byte("done"), 0o644)
	}
	return true
}

func (s *stage) Process(ctx context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	if d := s.c.Duration("delay"); d > 0 {
		time.Sleep(d)
	}
	if n := s.c.Size("log_bytes"); n > 0 {
		fmt.Fprintln(stderr, strings.Repeat("x", int(n)))
	}
	for i := range s.c.Int("log_lines") {
		fmt.Fprintf(stderr, "behave: log line %d\n", i)
	}
	if s.c.Bool("fail") {
		return nil, errors.New("behave: failing on purpose")
	}
	out := make([]*pipeline.Frame, 0, len(m.Frames))
	for _, f := range m.Frames {
		s.seen++
		if d := s.c.Duration("frame_delay"); d > 0 {
			time.Sleep(d)
		}
		if s.fault(s.c.Int("panic_at")) {
			panic("behave: injected panic at frame " + itoa(s.seen))
		}
		if s.fault(s.c.Int("hang_at")) {
			select {}
		}
		if s.fault(s.c.Int("exit_at")) {
			os.Exit(3)
		}
		if s.c.Bool("drop_odd") && f.Seq%2 == 1 {
			continue
		}
		switch {
		case s.c.Bool("invert"):
			p := make([]byte, len(f.Payload))
			for i, b := range f.Payload {
				p[i] = ^b
			}
			f = f.Derive(f.ContentType, p)
		case s.c.Bool("copy"):
			f = f.Derive(f.ContentType, append([]byte(nil), f.Payload...))
		}
		if n := s.c.Size("output_size"); n > 0 && f.Seq%3 == 0 {
			f = f.Derive(f.ContentType, make([]byte, n))
		}
		switch s.c.String("mangle") {
		case "zero_time":
			f = pipeline.NewFrame(f.Seq, time.Time{}, f.ContentType, f.Payload)
		case "empty_payload":
			f = f.Derive(f.ContentType, nil)
		case "no_type":
			f = f.Derive("", append([]byte(nil), f.Payload...))
		}
		for range s.c.Int("repeat") {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *stage) Close(context.Context) error {
	if s.c != nil && s.c.Bool("close_hang") {
		select {}
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func main() {
	sdk.Serve(sdk.Plugin{
		Name:      "behave",
		Version:   "0.1.0",
		Summary:   "A passthrough with injectable faults, for tests.",
		Stability: pipeline.StabilityStable,
		Spec:      spec,
		New:       func() sdk.Stage { return &stage{} },
	})
}
