package websocket_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
)

func TestKindRegisters(t *testing.T) {
	r := pipeline.NewRegistry()
	if err := r.Register(sink.Kind); err != nil {
		t.Fatal(err)
	}
	k, ok := r.Lookup(pipeline.FamilySink, "websocket")
	if !ok || k.ID() != "sink.websocket" {
		t.Fatalf("lookup: %v %v", k, ok)
	}
	for _, a := range k.Spec.Attrs {
		if a.Doc == "" || a.Default == nil {
			t.Errorf("attribute %q lacks a doc or a default", a.Name)
		}
	}
}

func TestFactory(t *testing.T) {
	type set map[string]any
	tests := []struct {
		name     string
		set      set
		wantAttr string // "" means success
		wantText string
	}{
		{name: "defaults", set: set{}},
		{name: "everything set", set: set{
			"listen": "0.0.0.0:9000", "path": "/live/cam1", "allowed_origins": []string{"https://a.example", "*"},
			"max_clients": 5, "send_queue": 4096, "slow_client": "close", "write_timeout": time.Second,
			"ping_interval": time.Second, "max_message_size": int64(128), "viewer": false,
		}},
		{name: "stream at / without viewer", set: set{"path": "/", "viewer": false}},
		{name: "listen without port", set: set{"listen": "localhost"}, wantAttr: "listen", wantText: "host:port"},
		{name: "listen with bad port", set: set{"listen": "127.0.0.1:99999"}, wantAttr: "listen", wantText: "0 to 65535"},
		{name: "relative path", set: set{"path": "stream"}, wantAttr: "path", wantText: "must start with /"},
		{name: "path with query", set: set{"path": "/s?x=1"}, wantAttr: "path", wantText: "not allowed"},
		{name: "path with non-ASCII", set: set{"path": "/ünï"}, wantAttr: "path", wantText: `character 'ü' is not allowed`},
		{name: "path taken by viewer", set: set{"path": "/"}, wantAttr: "path", wantText: "viewer = false"},
		{name: "path taken by script", set: set{"path": "/viewer.js"}, wantAttr: "path", wantText: "viewer"},
		{name: "origin with path", set: set{"allowed_origins": []string{"https://a.example/app"}},
			wantAttr: "allowed_origins", wantText: "without path"},
		{name: "origin without scheme", set: set{"allowed_origins": []string{"a.example"}},
			wantAttr: "allowed_origins", wantText: "https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pipeline.NewConfig(sink.Kind.Spec, "ws")
			for k, v := range tt.set {
				c.Set(k, v, pipeline.Range{})
			}
			// Every setting here is checked without the stream, so
			// Check finds the same as the factory.
			checkErr := sink.Kind.Check(c)
			got, err := sink.Kind.New(c, pipeline.Env{Pipeline: "p", Upstream: threeTiers()})
			if fmt.Sprint(checkErr) != fmt.Sprint(err) {
				t.Errorf("Check: %v; the factory says %v", checkErr, err)
			}
			if tt.wantAttr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := got.(*sink.Sink); !ok {
					t.Fatalf("factory returned %T", got)
				}
				return
			}
			var ce *pipeline.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *pipeline.ConfigError", err)
			}
			if ce.Attr != tt.wantAttr || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error on %q: %v; want one on %q saying %q", ce.Attr, err, tt.wantAttr, tt.wantText)
			}
			if got != nil {
				t.Errorf("factory returned %v with the error", got)
			}
		})
	}
}

func TestKindCheckReportsEverything(t *testing.T) {
	c := pipeline.NewConfig(sink.Kind.Spec, "ws")
	c.Set("listen", "localhost", pipeline.Range{}).Set("path", "stream", pipeline.Range{}).
		Set("allowed_origins", []string{"a.example"}, pipeline.Range{})
	j, ok := sink.Kind.Check(c).(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Check: %v, want several errors", sink.Kind.Check(c))
	}
	var attrs []string
	for _, e := range j.Unwrap() {
		attrs = append(attrs, e.(*pipeline.ConfigError).Attr)
	}
	if want := []string{"listen", "path", "allowed_origins"}; !slices.Equal(attrs, want) {
		t.Errorf("Check reports errors on %q, want %q", attrs, want)
	}
}

func TestKindMarksListenExclusive(t *testing.T) {
	a, ok := sink.Kind.Spec.Attr("listen")
	if !ok || a.Exclusive != pipeline.ResourceListen {
		t.Errorf("listen: Exclusive = %q, want %q", a.Exclusive, pipeline.ResourceListen)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts sink.Options
		want string
	}{
		{"queue too long", sink.Options{SendQueue: 5000}, "send_queue"},
		{"negative clients", sink.Options{MaxClients: -1}, "max_clients"},
		{"unknown policy", sink.Options{SlowClient: "wait"}, "slow_client"},
		{"negative timeout", sink.Options{WriteTimeout: -time.Second}, "write_timeout"},
		{"negative ping", sink.Options{PingInterval: -time.Second}, "ping_interval"},
		{"tiny message limit", sink.Options{MaxMessageSize: 10}, "max_message_size"},
		{"huge message limit", sink.Options{MaxMessageSize: 1 << 30}, "max_message_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sink.New(tt.opts, pipeline.Env{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error about %s", err, tt.want)
			}
		})
	}
}
