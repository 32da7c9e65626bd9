package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
	"github.com/streampipe/streampipe/plugins/sdk/sdktest"
)

type failing struct{}

func (failing) Configure(_ context.Context, c *pipeline.Config, env sdk.Env) error {
	if c.String("label") == "nope" {
		return c.Errorf("label", "Unknown label", "pick another label")
	}
	env.Logger.Warn("ready", "label", c.String("label"))
	return nil
}

func (failing) Process(context.Context, pipeline.Message) ([]*pipeline.Frame, error) {
	return nil, errors.New("cannot do this")
}

func (failing) Close(context.Context) error { return nil }

var failingPlugin = sdk.Plugin{
	Name: "failing",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "label", Type: pipeline.TypeString, Required: true},
		{Name: "wait", Type: pipeline.TypeDuration, Default: time.Second},
	}},
	New: func() sdk.Stage { return failing{} },
}

func TestHarness(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]any
		wantErr  string
	}{
		{"missing required", map[string]any{}, `Missing required argument: "label"`},
		{"wrong type", map[string]any{"label": 3}, "Incorrect attribute value type: label"},
		{"refused by Configure", map[string]any{"label": "nope"}, "label: Unknown label: pick another label"},
		{"fine", map[string]any{"label": "ok", "wait": 2 * time.Second}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := sdktest.Start(failingPlugin, tc.settings)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if a, ok := h.Spec().Attr("wait"); !ok || a.Default != time.Second {
				t.Errorf("wait attribute after the wire: %+v", a)
			}
			_, err = h.Process(pipeline.Single("", pipeline.NewFrame(1, time.Now(), "x", []byte{1})))
			if err == nil || err.Error() != "cannot do this" {
				t.Errorf("Process error %v, want the plugin's", err)
			}
		})
	}
}

func TestHarnessPassesLogger(t *testing.T) {
	var buf bytes.Buffer
	h := sdktest.New(t, failingPlugin, map[string]any{"label": "ok"},
		sdktest.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	_ = h
	if !strings.Contains(buf.String(), "msg=ready") || !strings.Contains(buf.String(), "label=ok") {
		t.Errorf("log: %q", buf.String())
	}
}

func TestMalformedPluginPanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p *sdk.Plugin)
		want   string
	}{
		{"nested blocks", func(p *sdk.Plugin) { p.Spec.Blocks = []pipeline.BlockSpec{{Name: "tier"}} }, "nested blocks"},
		{"no name", func(p *sdk.Plugin) { p.Name = "" }, "Plugin.Name is empty"},
		{"no New", func(p *sdk.Plugin) { p.New = nil }, "Plugin.New is nil"},
		{"setting called name", func(p *sdk.Plugin) {
			p.Spec.Attrs = append(p.Spec.Attrs, pipeline.Attr{Name: "name", Type: pipeline.TypeString})
		}, `the setting "name" is reserved`},
		{"required with a default", func(p *sdk.Plugin) {
			p.Spec.Attrs = append(p.Spec.Attrs, pipeline.Attr{Name: "mode", Type: pipeline.TypeString,
				Required: true, Default: "fast"})
		}, `setting "mode" is Required and has a Default`},
		{"one of on a number", func(p *sdk.Plugin) {
			p.Spec.Attrs = append(p.Spec.Attrs, pipeline.Attr{Name: "level", Type: pipeline.TypeInt,
				OneOf: []string{"1", "2"}})
		}, `setting "level" has OneOf but type`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("recovered %v, want a panic saying %q", r, tc.want)
				}
			}()
			p := failingPlugin
			p.Spec.Attrs = append([]pipeline.Attr(nil), p.Spec.Attrs...)
			tc.change(&p)
			_, _ = sdktest.Start(p, map[string]any{"label": "ok"})
		})
	}
}

// sized answers every frame with a new frame of as many 4 KiB units as its
// payload's first byte says.
type sized struct{}

func (sized) Configure(context.Context, *pipeline.Config, sdk.Env) error { return nil }

func (sized) Process(_ context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	out := make([]*pipeline.Frame, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = f.Derive(f.ContentType, make([]byte, int(f.Payload[0])<<12))
	}
	return out, nil
}

func (sized) Close(context.Context) error { return nil }

// TestAnswersStayUnderTheLimit: output frames that would take the answer
// past the message size limit are dropped and counted, and the stream
// goes on, instead of breaking on a message gRPC refuses.
func TestAnswersStayUnderTheLimit(t *testing.T) {
	p := sdk.Plugin{Name: "sized", New: func() sdk.Stage { return sized{} }}
	h := sdktest.New(t, p, nil, sdktest.Options{MaxMessageSize: 1 << 20})
	frame := func(seq uint64, units byte) *pipeline.Frame { // units of 4 KiB
		return pipeline.NewFrame(seq, time.Now(), "x", []byte{units})
	}
	for _, tc := range []struct {
		name     string
		units    []byte
		kept     []uint64
		tooLarge int
	}{
		{"one frame over the limit", []byte{255, 1}, []uint64{2}, 1}, // 1020 KiB + slack > 1 MiB
		{"three that fit alone but not together", []byte{100, 100, 100}, []uint64{1, 2}, 1},
		{"all fit", []byte{1, 2, 3}, []uint64{1, 2, 3}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := pipeline.Message{Tier: "high"}
			for i, u := range tc.units {
				m.Frames = append(m.Frames, frame(uint64(i+1), u))
			}
			out, err := h.Process(m)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, f := range out {
				seqs = append(seqs, f.Seq)
			}
			if !slices.Equal(seqs, tc.kept) || h.TooLarge() != tc.tooLarge {
				t.Errorf("kept %v and %d too large, want %v and %d", seqs, h.TooLarge(), tc.kept, tc.tooLarge)
			}
		})
	}
}
