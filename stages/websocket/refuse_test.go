package websocket_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// TestRefusalsAreCountedAndLogged: with max_clients = 2, 28 of 30 clients
// are refused with 1013. Each refusal is counted by the metric under
// reason "full", and the rate-limited "client refused" lines together
// carry all 28 in their refused counts (not one line that names one).
// An origin refusal is counted and logged under its own reason.
func TestRefusalsAreCountedAndLogged(t *testing.T) {
	tel, err := telemetry.New(telemetry.Options{NoProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	logs := &logRecorder{}
	s, err := sink.New(sink.Options{Listen: "127.0.0.1:0", MaxClients: 2,
		AllowedOrigins: []string{"https://good.example"}},
		pipeline.Env{Pipeline: "p", Stage: "ws", Logger: slog.New(logs), Upstream: threeTiers(),
			Report: newReporter(), Meter: tel.Meter()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sink: s, report: newReporter(), logs: logs}
	t.Cleanup(func() { h.close(pipeline.CauseShutdown) })

	h.dial("high")
	h.dial("low")
	const refused = 28
	start := time.Now()
	for i := range refused {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, err := wire.Dial(ctx, s.URL(), "high")
		cancel()
		if code := wire.CloseCode(err); code != wire.CloseTryAgainLater {
			t.Fatalf("client %d: %v (code %d), want close %d", i+3, err, code, wire.CloseTryAgainLater)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	foreign := wire.Dialer{Header: http.Header{"Origin": {"https://evil.example"}}}
	_, err = foreign.Dial(ctx, s.URL(), "high")
	if code := wire.CloseCode(err); code != wire.ClosePolicy {
		t.Fatalf("foreign origin: %v (code %d), want close %d", err, code, wire.ClosePolicy)
	}

	// The metric counts every refusal at once.
	metric := func(reason string) float64 {
		families, err := tel.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		name, _ := telemetry.PrometheusName(telemetry.WSConnectionsRefused)
		for _, mf := range families {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == telemetry.LabelReason && l.GetValue() == reason {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}
	if got := metric("full"); got != refused {
		t.Errorf("refused{reason=full} = %v, want %d", got, refused)
	}
	if got := metric("origin"); got != 1 {
		t.Errorf("refused{reason=origin} = %v, want 1", got)
	}

	// The lines add up to every refusal, the late ones within a second
	// of the burst, and are few: one a second at most.
	counted := func(reason string) (n, lines int) {
		for _, r := range logs.all() {
			if r.msg == "client refused" && r.attrs["reason"] == reason {
				c, _ := r.attrs["refused"].(int64)
				n += int(c)
				lines++
			}
		}
		return n, lines
	}
	waitFor(t, "refusal lines counting every refusal", func() bool {
		n, _ := counted("full")
		return n == refused
	})
	n, lines := counted("full")
	if max := 2 + int(time.Since(start)/time.Second); lines > max {
		t.Errorf("%d lines for %d refusals, want at most %d (one a second)", lines, n, max)
	}
	r, _ := logs.find("client refused", "reason", "full")
	if r.level != slog.LevelWarn || r.attrs["code"] != int64(wire.CloseTryAgainLater) ||
		r.attrs["remote"] == nil {
		t.Errorf("refusal line %v", r)
	}
	r, ok := logs.find("client refused", "reason", "origin")
	if !ok || r.attrs["refused"] != int64(1) || r.attrs["origin"] != "https://evil.example" ||
		r.attrs["code"] != int64(wire.ClosePolicy) {
		t.Errorf("origin refusal line %v", r)
	}
}
