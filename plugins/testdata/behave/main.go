// Command behave is a test plugin: a passthrough whose settings inject the
// faults the host must survive (panics, hangs, exits) and changes it can be
// seen to make.
package main

import (
	"context"
	"os"
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
}}

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
	out := make([]*pipeline.Frame, 0, len(m.Frames))
	for _, f := range m.Frames {
		s.seen++
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
		out = append(out, f)
	}
	return out, nil
}

func (s *stage) Close(context.Context) error { return nil }

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
