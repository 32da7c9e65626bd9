package capture

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

var kinds = []pipeline.Kind{ExecKind, SyntheticKind, FilesKind}

// goTypes are the Go types of each attribute type's decoded values.
var goTypes = map[pipeline.Type]reflect.Type{
	pipeline.TypeString:     reflect.TypeFor[string](),
	pipeline.TypePath:       reflect.TypeFor[string](),
	pipeline.TypeNumber:     reflect.TypeFor[float64](),
	pipeline.TypeInt:        reflect.TypeFor[int](),
	pipeline.TypeBool:       reflect.TypeFor[bool](),
	pipeline.TypeDuration:   reflect.TypeFor[time.Duration](),
	pipeline.TypeSize:       reflect.TypeFor[int64](),
	pipeline.TypeStringList: reflect.TypeFor[[]string](),
}

func TestKindsSpec(t *testing.T) {
	reg := pipeline.NewRegistry()
	for _, k := range kinds {
		t.Run(k.ID(), func(t *testing.T) {
			if err := reg.Register(k); err != nil {
				t.Fatal(err)
			}
			if k.Family != pipeline.FamilyCapture || k.Summary == "" || k.Doc == "" || k.Stability == "" {
				t.Errorf("kind %s lacks family, summary, doc or stability", k.ID())
			}
			for _, a := range k.Spec.Attrs {
				if a.Doc == "" {
					t.Errorf("attribute %s has no doc", a.Name)
				}
				if a.Default == nil {
					if !a.Required {
						t.Errorf("attribute %s has neither a default nor Required", a.Name)
					}
					continue
				}
				if got, want := reflect.TypeOf(a.Default), goTypes[a.Type]; got != want {
					t.Errorf("attribute %s: default is a %v, want %v for type %v", a.Name, got, want, a.Type)
				}
				if a.Range != "" {
					iv, err := pipeline.ParseInterval(a.Range)
					if err != nil {
						t.Fatal(err)
					}
					if v := reflect.ValueOf(a.Default); v.CanInt() && !iv.Contains(float64(v.Int())) ||
						v.CanFloat() && !iv.Contains(v.Float()) {
						t.Errorf("attribute %s: default %v is outside %s", a.Name, a.Default, a.Range)
					}
				}
				if len(a.OneOf) > 0 && a.OneOf[0] != a.Default && (len(a.OneOf) < 2 || a.OneOf[1] != a.Default) {
					t.Errorf("attribute %s: default %v is not among %q", a.Name, a.Default, a.OneOf)
				}
			}
		})
	}
}

func TestFactories(t *testing.T) {
	set := func(k pipeline.Kind, attrs map[string]any) *pipeline.Config {
		c := pipeline.NewConfig(k.Spec)
		for name, v := range attrs {
			c.Set(name, v, pipeline.Range{})
		}
		return c
	}
	tests := []struct {
		name    string
		kind    pipeline.Kind
		attrs   map[string]any
		badAttr string // the attribute the error must name; "" for success
		fps     float64
	}{
		// Factories must not touch the outside world: a missing program
		// or path is Start's business.
		{"exec defaults", ExecKind, map[string]any{"command": []string{"no-such-program"}}, "", 30},
		{"exec fps", ExecKind, map[string]any{"command": []string{"x"}, "fps": 12.5}, "", 12.5},
		{"exec empty command", ExecKind, map[string]any{"command": []string{}}, "command", 0},
		{"exec blank program", ExecKind, map[string]any{"command": []string{""}}, "command", 0},
		{"exec backoffs crossed", ExecKind, map[string]any{"command": []string{"x"}, "restart_backoff": 2 * time.Second,
			"max_backoff": time.Second}, "max_backoff", 0},
		{"exec fps too high", ExecKind, map[string]any{"command": []string{"x"}, "fps": 241.0}, "fps", 0},
		{"exec frame size too small", ExecKind, map[string]any{"command": []string{"x"}, "max_frame_size": int64(10)},
			"max_frame_size", 0},
		{"exec unknown on_exit", ExecKind, map[string]any{"command": []string{"x"}, "on_exit": "retry"}, "on_exit", 0},
		{"synthetic defaults", SyntheticKind, nil, "", 30},
		{"synthetic too wide", SyntheticKind, map[string]any{"width": 8000}, "width", 0},
		{"synthetic quality", SyntheticKind, map[string]any{"jpeg_quality": 101}, "jpeg_quality", 0},
		{"synthetic negative frames", SyntheticKind, map[string]any{"frames": -1}, "frames", 0},
		{"files defaults", FilesKind, map[string]any{"path": "no/such/dir"}, "", 30},
		{"files zero fps", FilesKind, map[string]any{"path": "x", "fps": 0.0}, "fps", 0},
		{"files empty path", FilesKind, map[string]any{"path": ""}, "path", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stage, err := tc.kind.New(set(tc.kind, tc.attrs), pipeline.Env{})
			if tc.badAttr != "" {
				var ce *pipeline.ConfigError
				if !errors.As(err, &ce) || ce.Attr != tc.badAttr {
					t.Fatalf("factory error = %v, want a ConfigError about %q", err, tc.badAttr)
				}
				if stage != nil {
					t.Errorf("factory returned a stage (%T) with its error", stage)
				}
				return
			}
			if err != nil {
				t.Fatalf("factory: %v", err)
			}
			if _, ok := stage.(pipeline.Source); !ok {
				t.Fatalf("%T is not a pipeline.Source", stage)
			}
			info := stage.(pipeline.Describer).Describe(pipeline.StreamInfo{})
			if info.FPS != tc.fps || info.ContentType != pipeline.ContentTypeJPEG {
				t.Errorf("Describe = %+v, want %g fps of %s", info, tc.fps, pipeline.ContentTypeJPEG)
			}
		})
	}
}

func TestExecStderrLinesZero(t *testing.T) {
	// stderr_lines = 0 in the file keeps no lines at all.
	c := pipeline.NewConfig(ExecKind.Spec).
		Set("command", []string{"x"}, pipeline.Range{}).
		Set("stderr_lines", 0, pipeline.Range{})
	stage, err := ExecKind.New(c, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := stage.(*Exec).stderr
	_, _ = r.Write([]byte("a line\n"))
	if got := r.Lines(); len(got) != 0 {
		t.Errorf("kept %q, want nothing", got)
	}
}
