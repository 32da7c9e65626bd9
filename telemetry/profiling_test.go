package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/telemetry"
)

// TestProfilingIsOptIn serves /debug/pprof/ only when asked to.
func TestProfilingIsOptIn(t *testing.T) {
	for _, on := range []bool{false, true} {
		tel, err := telemetry.New(telemetry.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := tel.Start(context.Background(), telemetry.Config{Listen: "127.0.0.1:0", Profiling: on}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get("http://" + tel.Addr() + "/debug/pprof/goroutine?debug=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		served := resp.StatusCode == http.StatusOK && strings.Contains(string(body), "goroutine profile")
		if served != on {
			t.Errorf("profiling %v: /debug/pprof answered %d (profile served: %v)", on, resp.StatusCode, served)
		}
		if resp, err := http.Get("http://" + tel.Addr() + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("profiling %v: /healthz: %v %v", on, resp, err)
		} else {
			resp.Body.Close()
		}
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
