package websocket_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	sink "github.com/streampipe/streampipe/stages/websocket"
)

func TestViewerEndpoints(t *testing.T) {
	opts := sink.DefaultOptions()
	opts.Path = "/live/cam1"
	on := start(t, opts, threeTiers())
	off := start(t, sink.Options{Viewer: false}, threeTiers())

	tests := []struct {
		name       string
		h          *harness
		method     string
		path       string
		wantStatus int
		wantType   string
		wantBody   []string
	}{
		{"page", on, "GET", "/", 200, "text/html; charset=utf-8", []string{
			`<meta name="streampipe-stream-path" content="/live/cam1">`,
			`<title>test-pipeline - streampipe viewer</title>`,
			`id="fps"`, `id="latency"`, `id="tier"`, `id="state"`, `id="quality"`, `<script src="/viewer.js">`,
		}},
		{"page head", on, "HEAD", "/", 200, "text/html; charset=utf-8", nil},
		{"script", on, "GET", "/viewer.js", 200, "text/javascript; charset=utf-8", []string{"streamPath", "createImageBitmap"}},
		{"page post", on, "POST", "/", 405, "", nil},
		{"unknown path", on, "GET", "/nope", 404, "", nil},
		{"stream without upgrade", on, "GET", "/live/cam1", 400, "", nil},
		{"page when viewer is off", off, "GET", "/", 404, "", nil},
		{"script when viewer is off", off, "GET", "/viewer.js", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://"+tt.h.sink.Addr().String()+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantType != "" {
				if got := resp.Header.Get("Content-Type"); got != tt.wantType {
					t.Errorf("content type %q, want %q", got, tt.wantType)
				}
				if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Error("no X-Content-Type-Options: nosniff")
				}
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(string(body), want) {
					t.Errorf("body lacks %q", want)
				}
			}
		})
	}
}

func TestViewerPageEscapesPipelineName(t *testing.T) {
	page, err := sink.RenderIndex("/stream", `<script>alert(1)</script>`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>alert") {
		t.Error("the pipeline name reached the page unescaped")
	}
}
