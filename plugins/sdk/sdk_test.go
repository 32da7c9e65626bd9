package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
	"github.com/streampipe/streampipe/plugins/sdk/sdktest"
)

type failing struct{}

func (failing) Configure(_ context.Context, c *pipeline.Config, env sdk.Env) error {
	if c.String("name") == "nope" {
		return c.Errorf("name", "Unknown name", "pick another name")
	}
	env.Logger.Warn("ready", "name", c.String("name"))
	return nil
}

func (failing) Process(context.Context, pipeline.Message) ([]*pipeline.Frame, error) {
	return nil, errors.New("cannot do this")
}

func (failing) Close(context.Context) error { return nil }

var failingPlugin = sdk.Plugin{
	Name: "failing",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "name", Type: pipeline.TypeString, Required: true},
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
		{"missing required", map[string]any{}, `Missing required argument: "name"`},
		{"wrong type", map[string]any{"name": 3}, "Incorrect attribute value type: name"},
		{"refused by Configure", map[string]any{"name": "nope"}, "name: Unknown name: pick another name"},
		{"fine", map[string]any{"name": "ok", "wait": 2 * time.Second}, ""},
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
	h := sdktest.New(t, failingPlugin, map[string]any{"name": "ok"},
		sdktest.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	_ = h
	if !strings.Contains(buf.String(), "msg=ready") || !strings.Contains(buf.String(), "name=ok") {
		t.Errorf("log: %q", buf.String())
	}
}

func TestMalformedPluginPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "nested blocks") {
			t.Errorf("recovered %v, want a panic about nested blocks", r)
		}
	}()
	p := failingPlugin
	p.Spec.Blocks = []pipeline.BlockSpec{{Name: "tier"}}
	_, _ = sdktest.Start(p, nil)
}
